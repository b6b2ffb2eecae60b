import { segmentShape, type Segment } from './condition-schema';
import { fieldErrorsOf } from './field-errors';
import { flagShape, type Flag } from './flag-schema';

/**
 * A snapshot is validated when it is written, but the evaluator must stay total whatever it is
 * handed (a snapshot from a newer writer, a hand-made one in a test). So each flag and segment is
 * parsed with its schema the first time it is evaluated, and the result (defaults applied) or the
 * problem is kept for as long as the object lives: a loaded snapshot pays for it once. Snapshots
 * are therefore read as immutable: a new version is a new object, never an edit of the old one.
 */
const parsedConfigurations = new WeakMap<object, Flag | Segment | FlagConfigurationError>();

/** Thrown inside an evaluation when the configuration cannot be followed; answered as PARSE_ERROR. */
export class FlagConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagConfigurationError';
  }
}

function parseOnce<T extends Flag | Segment>(
  schema: {
    safeParse(
      value: unknown,
    ): { success: true; data: T } | { success: false; error: Parameters<typeof fieldErrorsOf>[0] };
  },
  value: unknown,
  what: string,
): T {
  if (value === null || typeof value !== 'object')
    throw new FlagConfigurationError(`${what} is not an object`);
  let parsed = parsedConfigurations.get(value);
  if (parsed === undefined) {
    const result = schema.safeParse(value);
    if (result.success) {
      parsed = result.data;
    } else {
      const fields = Object.entries(fieldErrorsOf(result.error)).map(
        ([field, messages]) => `${field}: ${messages.join('; ')}`,
      );
      parsed = new FlagConfigurationError(`${what} is not valid: ${fields.join(', ')}`);
    }
    parsedConfigurations.set(value, parsed);
  }
  if (parsed instanceof FlagConfigurationError) throw parsed;
  return parsed as T;
}

/** The flag as its schema reads it, or a FlagConfigurationError naming what is wrong. */
export function parsedFlag(flag: unknown, key: string): Flag {
  return parseOnce<Flag>(flagShape, flag, `flag "${key}"`);
}

/** The segment as its schema reads it, or a FlagConfigurationError naming what is wrong. */
export function parsedSegment(segment: unknown, key: string): Segment {
  return parseOnce<Segment>(segmentShape, segment, `segment "${key}"`);
}
