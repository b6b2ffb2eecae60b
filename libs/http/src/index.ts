export { DomainError, type FieldErrors } from './domain-error';
export {
  PROBLEM_CONTENT_TYPE,
  defaultCodeFor,
  problemOf,
  problemType,
  titleFor,
  type Problem,
} from './problem';
export { hasUnsafeStrings, unsafeStringFields } from './unsafe-strings';
export {
  ProblemDetailsFilter,
  fastifyProblemCode,
  validationProblem,
  type ErrorTranslator,
} from './problem-details.filter';
export { CheckFailed, probe, readiness, type ReadinessObserver } from './readiness';
export { withTimeout } from './with-timeout';
