/**
 * Strict ISO 8601 timestamps for the date operators, in RFC 3339's profile: `YYYY-MM-DDTHH:MM:SS`,
 * an optional fraction of up to nine digits, and an explicit offset (`Z` or `±HH:MM`). Anything
 * else is not a date: no `Date.parse` guesses (which reads "2024-01-02" as UTC midnight and
 * "2024/01/02" as local time), no local time, no leap second (JavaScript has none to compare).
 * Parsed by position, without regular expressions, and compared in nanoseconds so that a
 * fraction finer than a millisecond still orders two instants.
 */

const NANOS_PER_SECOND = 1_000_000_000n;
const SECONDS_PER_DAY = 86_400n;

function digitsAt(text: string, start: number, count: number): number | undefined {
  let value = 0;
  for (let index = start; index < start + count; index += 1) {
    const code = text.charCodeAt(index);
    if (code < 48 || code > 57) return undefined;
    value = value * 10 + (code - 48);
  }
  return value;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Nanoseconds since the Unix epoch of a strict RFC 3339 timestamp, or undefined when it is not one. */
export function parseIsoInstant(text: string): bigint | undefined {
  if (text.length < 20 || text.length > 35) return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  if (
    year === undefined ||
    month === undefined ||
    day === undefined ||
    hour === undefined ||
    minute === undefined ||
    second === undefined ||
    text[4] !== '-' ||
    text[7] !== '-' ||
    text[10] !== 'T' ||
    text[13] !== ':' ||
    text[16] !== ':'
  ) {
    return undefined;
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;

  let position = 19;
  let nanos = 0;
  if (text[position] === '.') {
    const start = position + 1;
    position = start;
    while (position < text.length && position - start < 9 && digitsAt(text, position, 1) !== undefined) {
      position += 1;
    }
    const fraction = position - start;
    if (fraction === 0) return undefined;
    nanos = (digitsAt(text, start, fraction) ?? 0) * 10 ** (9 - fraction);
  }

  let offsetMinutes: number;
  const rest = text.slice(position);
  if (rest === 'Z') {
    offsetMinutes = 0;
  } else if (rest.length === 6 && (rest[0] === '+' || rest[0] === '-') && rest[3] === ':') {
    const offsetHours = digitsAt(rest, 1, 2);
    const offsetMins = digitsAt(rest, 4, 2);
    if (offsetHours === undefined || offsetMins === undefined || offsetHours > 23 || offsetMins > 59) {
      return undefined;
    }
    offsetMinutes = (rest[0] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  } else {
    return undefined;
  }

  const seconds =
    BigInt(daysFromCivil(year, month, day)) * SECONDS_PER_DAY +
    BigInt(hour * 3_600 + minute * 60 + second - offsetMinutes * 60);
  return seconds * NANOS_PER_SECOND + BigInt(nanos);
}
