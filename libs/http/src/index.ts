export { DomainError, type FieldErrors } from './domain-error';
export { PROBLEM_CONTENT_TYPE, defaultCodeFor, problemType, titleFor, type Problem } from './problem';
export { ProblemDetailsFilter, validationProblem } from './problem-details.filter';
export { CheckFailed, probe, readiness } from './readiness';
export { withTimeout } from './with-timeout';
