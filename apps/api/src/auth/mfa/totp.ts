// Time-based one-time passwords (RFC 6238) for the authenticator-app second factor, through otplib 13's
// functional API. The parameters are the ones every authenticator app supports (HMAC-SHA-1, 30-second step,
// 6 digits) and are pinned here, not configured: changing them would invalidate every enrolled device.
//
// Replay protection (RFC 6238 §5.2) is the caller's job, because only the caller can store state:
// matchTotpStep() says WHICH time step a code belongs to, the caller keeps the last step it accepted for
// the account and refuses any code whose step is not greater than it.
import { generateSecret, generateSync, verifySync } from 'otplib';

/** The RFC 6238 parameters Rampart uses, in otplib's option names (t0 is otplib's default, 0). */
export const TOTP_PARAMS = { algorithm: 'sha1', digits: 6, period: 30 } as const;

/** Steps either side of the current one that still count, for clock drift and typing time (RFC 6238 §5.2). */
export const TOTP_TOLERANCE_STEPS = 1;

// 160 bits: the HMAC-SHA-1 output size, which RFC 4226 §4 recommends as the shared secret's length.
const SECRET_BYTES = 20;
const CODE_PATTERN = /^[0-9]{6}$/;

/** A new shared secret: 20 random bytes, base32 (RFC 4648, no padding) as authenticator apps expect it. */
export function generateTotpSecret(): string {
  return generateSecret({ length: SECRET_BYTES });
}

/**
 * The `otpauth://totp/Issuer:account?...` key URI that authenticator apps read from a QR code (Google's Key
 * URI format). Issuer and account are percent-encoded (spaces as %20, a colon in either as %3A, so the
 * label's own separator stays unambiguous). algorithm, digits and period are written out even though they
 * are the defaults, so an app never has to guess; otplib's generateURI leaves defaults out, hence this.
 */
export function totpKeyUri(secret: string, accountName: string, issuer: string): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(accountName)}`;
  const parameters = [
    `secret=${encodeURIComponent(secret)}`,
    `issuer=${encodeURIComponent(issuer)}`,
    `algorithm=${TOTP_PARAMS.algorithm.toUpperCase()}`,
    `digits=${TOTP_PARAMS.digits}`,
    `period=${TOTP_PARAMS.period}`,
  ];
  return `otpauth://totp/${label}?${parameters.join('&')}`;
}

/** The RFC 6238 time step T = floor(unixSeconds / 30) that contains `time` (milliseconds, like Date.now()). */
export function totpTimeStep(time: number = Date.now()): number {
  return Math.floor(toUnixSeconds(time) / TOTP_PARAMS.period);
}

/**
 * The time step at which `code` is valid for `secret`, looking at the step containing `now` (milliseconds)
 * and one step either side; null when it matches none of them or is not exactly 6 ASCII digits. otplib
 * compares the codes in constant time. Throws (an otplib error) only when the stored secret itself is not
 * a usable base32 secret, which is a data fault rather than a wrong code.
 */
export function matchTotpStep(secret: string, code: string, now: number = Date.now()): number | null {
  // Checked here rather than left to otplib, which throws on a malformed token: for the caller a malformed
  // code is just a wrong code.
  if (!CODE_PATTERN.test(code)) return null;
  const result = verifySync({
    ...TOTP_PARAMS,
    secret,
    token: code,
    epoch: toUnixSeconds(now),
    // A tolerance of exactly one period makes otplib check floor((t - 30) / 30) .. floor((t + 30) / 30),
    // that is steps T-1, T and T+1 wherever t falls inside step T.
    epochTolerance: TOTP_TOLERANCE_STEPS * TOTP_PARAMS.period,
  });
  // The functional verifySync is typed for both TOTP and HOTP results; only the TOTP one has timeStep.
  if (!result.valid || !('timeStep' in result)) return null;
  return result.timeStep;
}

/**
 * The 6-digit code for `secret` at `time` (milliseconds since the Unix epoch, like Date.now()). For tests
 * and e2e suites that need to play the authenticator app: `totpCodeAt(secret, Date.now())`, or the next
 * step's code with `Date.now() + 30_000` when the current step has already been used.
 */
export function totpCodeAt(secret: string, time: number): string {
  return generateSync({ ...TOTP_PARAMS, secret, epoch: toUnixSeconds(time) });
}

function toUnixSeconds(milliseconds: number): number {
  return Math.floor(milliseconds / 1000);
}
