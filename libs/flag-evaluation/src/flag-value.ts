import { MAX_VARIANT_OBJECT_BYTES, MAX_VARIANT_OBJECT_DEPTH, MAX_VARIANT_STRING_LENGTH } from './bounds';

/** The OpenFeature value types a flag can serve. */
export const FLAG_TYPES = ['boolean', 'string', 'number', 'object'] as const;

export type FlagType = (typeof FLAG_TYPES)[number];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A value a flag serves: of the flag's type. */
export type FlagValue = boolean | string | number | JsonObject;

/** An object literal or JSON.parse result: not an array, class instance, Date or Map. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  // A root prototype (Object.prototype of any realm, as structuredClone or a vm context makes) or none.
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

/** Whether a value is JSON (finite numbers, plain objects) no deeper than `depthLeft`. */
function isJson(value: unknown, depthLeft: number): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (depthLeft === 0) return false;
  if (Array.isArray(value)) return value.every((item) => isJson(item, depthLeft - 1));
  return isPlainObject(value) && Object.values(value).every((item) => isJson(item, depthLeft - 1));
}

/** Why a variant value does not fit a flag of `type`, or undefined when it does. */
export function variantValueProblem(type: FlagType, value: unknown): string | undefined {
  switch (type) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be a boolean (the flag is of type boolean)';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
        ? undefined
        : 'must be a finite number (the flag is of type number)';
    case 'string':
      if (typeof value !== 'string') return 'must be a string (the flag is of type string)';
      return value.length <= MAX_VARIANT_STRING_LENGTH
        ? undefined
        : `must be at most ${MAX_VARIANT_STRING_LENGTH} characters`;
    case 'object':
      if (!isPlainObject(value)) return 'must be a JSON object (the flag is of type object)';
      if (!isJson(value, MAX_VARIANT_OBJECT_DEPTH)) {
        return `must be JSON nested at most ${MAX_VARIANT_OBJECT_DEPTH} levels deep`;
      }
      return Buffer.byteLength(JSON.stringify(value), 'utf8') <= MAX_VARIANT_OBJECT_BYTES
        ? undefined
        : `must be at most ${MAX_VARIANT_OBJECT_BYTES} bytes of JSON`;
  }
}
