/** Field-level validation messages, grouped by field. */
export type FieldErrors = Record<string, string[]>;

/**
 * An error the API expects and answers with its own status and a stable machine-readable code.
 * Anything else thrown becomes a 500 `internal_error` with an error id.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    /** Response headers that belong to the answer, e.g. Retry-After on 429. */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'DomainError';
  }
}
