import {
  MAX_ATTRIBUTE_NAME_LENGTH,
  MAX_CONTEXT_ARRAY_ITEMS,
  MAX_CONTEXT_ATTRIBUTES,
  MAX_CONTEXT_BYTES,
  MAX_CONTEXT_STRING_LENGTH,
} from './bounds';
import { isPlainObject } from './flag-value';

/**
 * A context attribute: text (ISO 8601 dates are text too), a finite number, a boolean, or a list
 * of strings (groups, roles). Null stands for an absent attribute, as an explicit JSON null does
 * in Unleash's contexts.
 */
export type ContextValue = string | number | boolean | readonly string[] | null;

/** The OpenFeature evaluation context: `targetingKey` (who) and attributes, flat. */
export interface EvaluationContext {
  readonly targetingKey?: string;
  readonly [attribute: string]: ContextValue | undefined;
}

export type ContextCheck = { ok: true; context: EvaluationContext } | { ok: false; details: string };

function valueProblem(value: unknown): string | undefined {
  if (value === null || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'is not a finite number';
  if (typeof value === 'string') return stringProblem(value);
  if (Array.isArray(value)) {
    if (value.length > MAX_CONTEXT_ARRAY_ITEMS) return `has more than ${MAX_CONTEXT_ARRAY_ITEMS} items`;
    for (const item of value as unknown[]) {
      if (typeof item !== 'string') return 'is a list with an item that is not a string';
      const problem = stringProblem(item);
      if (problem !== undefined) return `has an item that ${problem}`;
    }
    return undefined;
  }
  return 'is not a string, number, boolean or list of strings';
}

function stringProblem(text: string): string | undefined {
  if (text.length > MAX_CONTEXT_STRING_LENGTH)
    return `is longer than ${MAX_CONTEXT_STRING_LENGTH} characters`;
  // Hashing and comparing need text with a UTF-8 form; a lone surrogate has none.
  if (!text.isWellFormed()) return 'is not well-formed Unicode';
  return undefined;
}

/**
 * Checks an evaluation context as a client sent it: a JSON object of at most
 * MAX_CONTEXT_ATTRIBUTES attributes and MAX_CONTEXT_BYTES of UTF-8 JSON, whose values are of the
 * supported types and whose `targetingKey`, when present, is a string. Only own properties count,
 * so `__proto__` or `constructor` is an attribute like any other, never something inherited.
 */
export function checkEvaluationContext(input: unknown): ContextCheck {
  if (input === undefined || input === null) return { ok: true, context: {} };
  if (!isPlainObject(input)) {
    return { ok: false, details: 'the evaluation context must be a JSON object' };
  }
  const entries = Object.entries(input);
  if (entries.length > MAX_CONTEXT_ATTRIBUTES) {
    return {
      ok: false,
      details: `the evaluation context has more than ${MAX_CONTEXT_ATTRIBUTES} attributes`,
    };
  }
  let bytes = 2;
  for (const [name, value] of entries) {
    if (name.length === 0 || name.length > MAX_ATTRIBUTE_NAME_LENGTH || !name.isWellFormed()) {
      return {
        ok: false,
        details: `attribute names must be 1 to ${MAX_ATTRIBUTE_NAME_LENGTH} characters of well-formed Unicode`,
      };
    }
    if (name === 'targetingKey' && value !== null && typeof value !== 'string') {
      return { ok: false, details: 'targetingKey must be a string' };
    }
    const problem = valueProblem(value);
    if (problem !== undefined) return { ok: false, details: `attribute "${name}" ${problem}` };
    // The size of the context as compact JSON, counted as it goes so that a huge one stops early.
    bytes +=
      Buffer.byteLength(JSON.stringify(name), 'utf8') + Buffer.byteLength(JSON.stringify(value), 'utf8') + 2;
    if (bytes > MAX_CONTEXT_BYTES) {
      return { ok: false, details: `the evaluation context is larger than ${MAX_CONTEXT_BYTES} bytes` };
    }
  }
  return { ok: true, context: input as EvaluationContext };
}

/** An attribute's value, own properties only; undefined when absent or null. */
export function attributeOf(
  context: EvaluationContext,
  name: string,
): Exclude<ContextValue, null> | undefined {
  if (!Object.hasOwn(context, name)) return undefined;
  return context[name] ?? undefined;
}
