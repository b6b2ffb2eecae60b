// Unit tests for the TOTP helpers: the RFC 6238 Appendix B SHA-1 vectors (through otplib with Rampart's
// parameters, and through totpCodeAt itself), the ±1-step window of matchTotpStep and the key URI.
import { generateSync } from 'otplib';
import { generateTotpSecret, matchTotpStep, TOTP_PARAMS, totpCodeAt, totpKeyUri, totpTimeStep } from './totp';

// RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890" (20 bytes).
const RFC_SEED_BASE32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const RFC_SHA1_VECTORS: ReadonlyArray<[seconds: number, code: string]> = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

const STEP_MS = TOTP_PARAMS.period * 1000;

describe('RFC 6238 Appendix B (SHA-1)', () => {
  it('has the ASCII seed as its base32 secret', () => {
    expect(Buffer.from('12345678901234567890', 'ascii')).toHaveLength(20);
    expect(base32Encode(Buffer.from('12345678901234567890', 'ascii'))).toBe(RFC_SEED_BASE32);
  });

  it.each(RFC_SHA1_VECTORS)(
    'otplib with our parameters and 8 digits gives the vector at %i s',
    (seconds, code) => {
      expect(generateSync({ ...TOTP_PARAMS, digits: 8, secret: RFC_SEED_BASE32, epoch: seconds })).toBe(code);
    },
  );

  // Truncation is modulo 10^digits (RFC 4226 §5.3), so a 6-digit code is the last 6 digits of the 8-digit one.
  it.each(RFC_SHA1_VECTORS)('totpCodeAt gives the last 6 digits of the vector at %i s', (seconds, code) => {
    expect(totpCodeAt(RFC_SEED_BASE32, seconds * 1000)).toBe(code.slice(-6));
  });
});

describe('generateTotpSecret', () => {
  it('returns 160 random bits in unpadded base32', () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/); // 20 bytes = 160 bits = 32 base32 characters
    expect(generateTotpSecret()).not.toBe(secret);
  });
});

describe('totpKeyUri', () => {
  it('writes the issuer prefix, the issuer parameter and every RFC 6238 parameter', () => {
    const uri = totpKeyUri(RFC_SEED_BASE32, 'ada+mfa@example.com', 'Rampart Dev: EU');
    expect(uri).toBe(
      'otpauth://totp/Rampart%20Dev%3A%20EU:ada%2Bmfa%40example.com' +
        `?secret=${RFC_SEED_BASE32}&issuer=Rampart%20Dev%3A%20EU&algorithm=SHA1&digits=6&period=30`,
    );
  });
});

describe('matchTotpStep', () => {
  // Fixed secrets and times keep the test deterministic (a random pair could collide by chance).
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
  const otherSecret = 'KRUGS4ZANFZSAYLON52GQZLSEBZWKY3S';
  // Some moment in the middle of a step, and the step's first and last milliseconds.
  const step = totpTimeStep(Date.UTC(2026, 10, 22, 10, 42, 15));
  const startOf = (s: number): number => s * STEP_MS;
  const endOf = (s: number): number => (s + 1) * STEP_MS - 1;
  const code = totpCodeAt(secret, startOf(step) + 12_345);

  it('returns the step of the code, floor(t / 30), at any time within it', () => {
    expect(matchTotpStep(secret, code, startOf(step))).toBe(step);
    expect(matchTotpStep(secret, code, startOf(step) + 15_000)).toBe(step);
    expect(matchTotpStep(secret, code, endOf(step))).toBe(step);
    expect(step).toBe(Math.floor((startOf(step) + 12_345) / 1000 / 30));
  });

  it('accepts the code one step early or late and returns the code’s step, not the current one', () => {
    expect(matchTotpStep(secret, code, startOf(step - 1))).toBe(step);
    expect(matchTotpStep(secret, code, endOf(step - 1))).toBe(step);
    expect(matchTotpStep(secret, code, startOf(step + 1))).toBe(step);
    expect(matchTotpStep(secret, code, endOf(step + 1))).toBe(step);
  });

  it('refuses the code two steps away on either side', () => {
    expect(matchTotpStep(secret, code, endOf(step - 2))).toBeNull();
    expect(matchTotpStep(secret, code, startOf(step + 2))).toBeNull();
  });

  it('refuses a wrong code and the right code for another secret', () => {
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    expect(matchTotpStep(secret, wrong, startOf(step))).toBeNull();
    expect(matchTotpStep(otherSecret, code, startOf(step))).toBeNull();
  });

  it.each([
    ['empty', ''],
    ['5 digits', code.slice(1)],
    ['7 digits', `${code}0`],
    ['spaces', ` ${code}`],
    ['a trailing newline', `${code}\n`],
    ['a grouped code', `${code.slice(0, 3)} ${code.slice(3)}`],
    ['non-ASCII digits', '١٢٣٤٥٦'],
    ['letters', 'abcdef'],
    ['a sign', `-${code.slice(1)}`],
  ])('returns null for %s', (_label, input) => {
    expect(matchTotpStep(secret, input, startOf(step))).toBeNull();
  });

  it('uses the current time by default', () => {
    const now = Date.now();
    const current = totpCodeAt(secret, now);
    // Even if the clock has moved into the next step since `now`, the match is the code's own step.
    expect(matchTotpStep(secret, current)).toBe(totpTimeStep(now));
  });
});

/** RFC 4648 base32 without padding, written out here so the seed's encoding is checked, not assumed. */
function base32Encode(bytes: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const byte of bytes) bits += byte.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += alphabet[parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)];
  return out;
}
