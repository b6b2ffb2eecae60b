export { escapeNonAscii, maskEmails, sanitizeLogLine } from './log-sanitizer';
export { httpLoggerModule, pinoOptions, type RequestLogFields, type TracedRequest } from './logger';
export { REDACTED_PATHS } from './redaction';
