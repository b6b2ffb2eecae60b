import type { z } from 'zod';

/** Messages grouped by field path, the `errors` of a `validation_failed` problem. */
export type FieldErrors = Record<string, string[]>;

/** A path segment as written after its parent: `.name`, or `["a.b"]` where dots or brackets would mislead. */
function segmentOf(segment: PropertyKey, first: boolean): string {
  if (typeof segment === 'number') return `[${segment}]`;
  const text = String(segment);
  const plain = text.length > 0 && [...text].every((char) => !'.[]"\'\\ '.includes(char) && char >= ' ');
  if (!plain) return `[${JSON.stringify(text)}]`;
  return first ? text : `.${text}`;
}

/** `flags.checkout.rules[2].conditions[0].operator`; `(root)` for the value itself. */
export function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.map((segment, index) => segmentOf(segment, index === 0)).join('');
}

/**
 * A zod error as field path → messages, so the API can answer 400 problem+json naming each field.
 * A record key that fails its own schema is reported at that key, with the key's messages.
 */
export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = fieldPath(issue.path);
    const messages =
      issue.code === 'invalid_key'
        ? issue.issues.map((keyIssue) => `key ${keyIssue.message}`)
        : [issue.message];
    (errors[field] ??= []).push(...messages);
  }
  return errors;
}
