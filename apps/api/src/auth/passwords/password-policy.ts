// The rules a new password must meet (OWASP ASVS 5.0 chapter 6, NIST SP 800-63B): a length range, not a
// commonly used password, and not the account's own e-mail address. Deliberately no composition rules
// ("one digit, one symbol..."): ASVS forbids them because they push people towards predictable passwords.
// Pure functions, so a DTO validator, a use case and the tests can all call them without Nest.
import { dictionary } from '@zxcvbn-ts/language-common';

export interface PasswordRuleViolation {
  rule: 'too_short' | 'too_long' | 'common' | 'contains_email';
  message: string;
}

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

/** The e-mail's local part is only a meaningful thing to forbid when it is at least this long. */
const MIN_LOCAL_PART_LENGTH = 3;

// ASVS 6.2.4 / NIST SP 800-63B 3.1.1.2: check new passwords against a list of commonly used ones. The list
// is zxcvbn-ts's `passwords-common` (@zxcvbn-ts/language-common, ~49,000 entries taken from leaked-password
// corpora), already a dependency, so it ships with the code and needs no network call at sign-up. Many of its
// entries are shorter than PASSWORD_MIN_LENGTH; the length rule rejects those anyway. Matching is exact and
// case-insensitive only: easy to explain to a user, and predictable in tests.
const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  dictionary['passwords-common'].map((entry) => entry.toLowerCase()),
);

/** Length in Unicode code points, so an emoji or an accented letter counts once. */
function codePointLength(value: string): number {
  return [...value].length;
}

function containsEmail(password: string, email: string): boolean {
  const lowerPassword = password.toLowerCase();
  const lowerEmail = email.normalize('NFC').trim().toLowerCase();
  if (lowerEmail === '') return false;
  const at = lowerEmail.lastIndexOf('@');
  const localPart = at === -1 ? lowerEmail : lowerEmail.slice(0, at);
  if (codePointLength(localPart) >= MIN_LOCAL_PART_LENGTH && lowerPassword.includes(localPart)) return true;
  return lowerPassword.includes(lowerEmail);
}

/** Every rule the password breaks, in a stable order; an empty array means the password is acceptable. */
export function checkPassword(password: string, email: string): PasswordRuleViolation[] {
  // NFC so that "é" typed as one code point or as "e" + combining accent counts and compares the same.
  const normalized = password.normalize('NFC');
  const violations: PasswordRuleViolation[] = [];
  const length = codePointLength(normalized);

  if (length < PASSWORD_MIN_LENGTH) {
    violations.push({ rule: 'too_short', message: `Use at least ${PASSWORD_MIN_LENGTH} characters.` });
  } else if (length > PASSWORD_MAX_LENGTH) {
    violations.push({ rule: 'too_long', message: `Use at most ${PASSWORD_MAX_LENGTH} characters.` });
  }
  if (COMMON_PASSWORDS.has(normalized.toLowerCase())) {
    violations.push({ rule: 'common', message: 'This password is too common; choose another.' });
  }
  if (containsEmail(normalized, email)) {
    violations.push({
      rule: 'contains_email',
      message: 'The password must not contain your e-mail address or the part of it before the @.',
    });
  }
  return violations;
}
