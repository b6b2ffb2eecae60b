import { ValidateBy, type ValidationOptions, buildMessage } from 'class-validator';

/**
 * Validators for query values that reach PostgreSQL, bounded to what it stores: past these bounds
 * the database (or Prisma before it) refuses the value and the route would answer 500.
 */

const MAX_BIGINT = 9_223_372_036_854_775_807n;
const DIGITS = /^\d{1,19}$/;

/** A decimal string that fits a PostgreSQL bigint, zero or more (e.g. a sequence number cursor). */
export function IsBigIntString(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isBigIntString',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && DIGITS.test(value) && BigInt(value) <= MAX_BIGINT,
        defaultMessage: buildMessage(
          (each) => `${each}$property must be a whole number from 0 to ${MAX_BIGINT}`,
          options,
        ),
      },
    },
    options,
  );
}

/**
 * Years a JavaScript Date, ISO 8601 without an expanded year and PostgreSQL's timestamp types
 * all agree on. A Date reaches ±275,760 years; PostgreSQL stops at 4713 BC and 294276 AD.
 */
export const MIN_YEAR = 1;
export const MAX_YEAR = 9999;

/** A valid Date between the years MIN_YEAR and MAX_YEAR (UTC). */
export function IsStorableDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStorableDate',
      validator: {
        validate: (value: unknown) => {
          if (!(value instanceof Date) || Number.isNaN(value.getTime())) return false;
          const year = value.getUTCFullYear();
          return year >= MIN_YEAR && year <= MAX_YEAR;
        },
        defaultMessage: buildMessage(
          (each) => `${each}$property must be an ISO 8601 date between the years ${MIN_YEAR} and ${MAX_YEAR}`,
          options,
        ),
      },
    },
    options,
  );
}
