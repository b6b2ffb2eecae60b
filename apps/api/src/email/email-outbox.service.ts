// The outbox moved to @rampart/outbox so the worker's account use cases can stage mail too. This
// alias keeps the API's existing importers (sign-in lockout, MFA enrolment) unchanged.
export { EmailOutbox, type EmailRequest } from '@rampart/outbox';
