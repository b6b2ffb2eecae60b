import type { FieldErrors } from './domain-error';

const NUL_MESSAGE = 'must not contain NUL characters';
const SURROGATE_MESSAGE = 'must be well-formed Unicode (no lone surrogates)';

/**
 * Past this depth the walk stops: request bodies are bounded far below it by the JSON parser, and a
 * structure this deep is not a request any route accepts.
 */
const MAX_DEPTH = 64;

function problemsOf(text: string): string[] {
  const problems: string[] = [];
  if (text.includes('\0')) problems.push(NUL_MESSAGE);
  if (!text.isWellFormed()) problems.push(SURROGATE_MESSAGE);
  return problems;
}

function isUnsafe(text: string): boolean {
  return text.includes('\0') || !text.isWellFormed();
}

/**
 * Whether unsafeStringFields would find anything: the same strings, keys and depth bound, without
 * building paths or lists. Nearly every request is clean, and this check runs on each one's path
 * parameters, query and body; the walk that names the fields allocated a path string and an entries
 * array per field, about 2 µs of a flag evaluation's 60.
 */
export function hasUnsafeStrings(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return isUnsafe(value);
  if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) if (hasUnsafeStrings(item, depth + 1)) return true;
    return false;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    if (isUnsafe(key) || hasUnsafeStrings(record[key], depth + 1)) return true;
  }
  return false;
}

/** A key as it can be shown in a field path: the characters that made it unsafe become U+FFFD. */
function printable(key: string): string {
  return key.replaceAll('\0', '\uFFFD').toWellFormed();
}

/**
 * Strings anywhere in a parsed request part (query, path parameters, body) that no route can
 * store or compare: NUL, which PostgreSQL rejects in text, and lone UTF-16 surrogates, which have
 * no UTF-8 form. Returned grouped by field path (`email`, `items.0.name`), the shape of a
 * `validation_failed` problem; empty when the value is clean. Keys are checked as well as values.
 */
export function unsafeStringFields(value: unknown, prefix = ''): FieldErrors {
  const found: FieldErrors = {};
  const visit = (node: unknown, path: string, depth: number): void => {
    if (typeof node === 'string') {
      const problems = problemsOf(node);
      if (problems.length) found[path || '(root)'] = problems;
      return;
    }
    if (node === null || typeof node !== 'object' || depth >= MAX_DEPTH) return;
    const entries: [string, unknown][] = Array.isArray(node)
      ? node.map((item, index): [string, unknown] => [String(index), item])
      : Object.entries(node);
    for (const [key, child] of entries) {
      const childPath = path ? `${path}.${printable(key)}` : printable(key);
      const keyProblems = problemsOf(key);
      if (keyProblems.length) found[childPath] = keyProblems.map((problem) => `field name ${problem}`);
      visit(child, childPath, depth + 1);
    }
  };
  visit(value, prefix, 0);
  return found;
}
