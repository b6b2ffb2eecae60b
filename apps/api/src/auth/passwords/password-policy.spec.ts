// Unit tests for the password rules: length in code points after NFC, the common-password list and the
// e-mail checks, each violation reported with its own rule code.
import { checkPassword, type PasswordRuleViolation } from './password-policy';

const EMAIL = 'jane.doe@example.com';

function rules(violations: PasswordRuleViolation[]): PasswordRuleViolation['rule'][] {
  return violations.map((violation) => violation.rule);
}

describe('checkPassword', () => {
  describe('length', () => {
    it('rejects 11 characters as too short, with a message naming the minimum', () => {
      expect(checkPassword('vK7#mQ2!xLp', EMAIL)).toEqual([
        { rule: 'too_short', message: 'Use at least 12 characters.' },
      ]);
    });

    it('accepts exactly 12 and exactly 128 characters', () => {
      expect(checkPassword('vK7#mQ2!xLpZ', EMAIL)).toEqual([]);
      expect(checkPassword('vK7#mQ2!'.repeat(16), EMAIL)).toEqual([]);
    });

    it('rejects 129 characters as too long, with a message naming the maximum', () => {
      expect(checkPassword(`${'vK7#mQ2!'.repeat(16)}x`, EMAIL)).toEqual([
        { rule: 'too_long', message: 'Use at most 128 characters.' },
      ]);
    });

    it('counts an emoji once, not as its two UTF-16 code units', () => {
      // 11 letters + 1 emoji: 12 code points (13 UTF-16 units), acceptable.
      expect(checkPassword('vKmQxLpZrTw🦊', EMAIL)).toEqual([]);
      // 11 emoji: 22 UTF-16 units but 11 code points, too short.
      expect(rules(checkPassword('🦊'.repeat(11), EMAIL))).toEqual(['too_short']);
      // 128 emoji are 256 UTF-16 units but still within the maximum.
      expect(checkPassword('🦊🐙'.repeat(64), EMAIL)).toEqual([]);
    });

    it('counts after NFC normalisation, so a decomposed accent counts once', () => {
      // "e" + U+0301 is 2 code points before NFC and 1 ("é") after: 11 in all.
      expect(rules(checkPassword('vKmQxLpZrTe\u0301', EMAIL))).toEqual(['too_short']);
      expect(checkPassword('vKmQxLpZrTwe\u0301', EMAIL)).toEqual([]);
    });
  });

  describe('common passwords', () => {
    // Entries of at least 12 characters verified to be in @zxcvbn-ts/language-common's passwords-common.
    it.each(['password1234', 'qwerty123456', 'leavemealone', 'administrator'])(
      'rejects %s as common',
      (password) => {
        expect(checkPassword(password, EMAIL)).toEqual([
          { rule: 'common', message: 'This password is too common; choose another.' },
        ]);
      },
    );

    it('matches case-insensitively', () => {
      expect(rules(checkPassword('PASSWORD1234', EMAIL))).toEqual(['common']);
      expect(rules(checkPassword('LeaveMeAlone', EMAIL))).toEqual(['common']);
    });

    it('matches the whole password only, not a listed word inside a longer one', () => {
      expect(checkPassword('password1234 tundra mosaic', EMAIL)).toEqual([]);
    });
  });

  describe('e-mail address', () => {
    it("rejects a password containing the e-mail's local part, whatever its case", () => {
      expect(checkPassword('my jane.doe secret', EMAIL)).toEqual([
        {
          rule: 'contains_email',
          message: 'The password must not contain your e-mail address or the part of it before the @.',
        },
      ]);
      expect(rules(checkPassword('my JANE.DOE secret', EMAIL))).toEqual(['contains_email']);
      expect(rules(checkPassword('my jane.doe secret', 'Jane.Doe@Example.com'))).toEqual(['contains_email']);
    });

    it('rejects a password containing the whole e-mail address', () => {
      expect(rules(checkPassword('xjane.doe@example.comx', EMAIL))).toEqual(['contains_email']);
    });

    it('ignores a local part shorter than 3 characters, but not the whole address', () => {
      expect(checkPassword('jo tundra mosaic', 'jo@example.com')).toEqual([]);
      expect(rules(checkPassword('my jo@example.com!', 'jo@example.com'))).toEqual(['contains_email']);
    });

    it('does not flag anything for an empty e-mail', () => {
      expect(checkPassword('violet-anchor-mosaic-tundra', '')).toEqual([]);
    });
  });

  it('reports every broken rule together, in a stable order', () => {
    expect(rules(checkPassword('jane.doe', EMAIL))).toEqual(['too_short', 'contains_email']);
    expect(rules(checkPassword('password', 'password@example.com'))).toEqual([
      'too_short',
      'common',
      'contains_email',
    ]);
  });

  it('accepts a strong passphrase', () => {
    expect(checkPassword('violet-anchor-mosaic-tundra', EMAIL)).toEqual([]);
    expect(checkPassword('Trüffel 🦊 kayak 47 orbit', EMAIL)).toEqual([]);
  });
});
