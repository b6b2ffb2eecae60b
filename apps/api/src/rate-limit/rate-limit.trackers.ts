// Who a request is counted against: the strings the guard turns into storage keys. Pure, so they
// are tested on their own (rate-limit.trackers.spec.ts).
import { createHash } from 'node:crypto';
import { normalizeIp } from '@nestjs/throttler';
import { normaliseEmail } from '@rampart/identity';

/**
 * IPv6 clients are counted per /64: one subscriber usually holds a whole /64, and counting single
 * addresses in it would let them rotate through 2^64 buckets.
 */
const IPV6_PREFIX = 64;

/**
 * The client address. Callers pass `request.ip`, which is right as it is: Fastify runs with
 * `trustProxy` set to the proxy-addr trust function built from TRUST_PROXY, so `request.ip` is the
 * right-most X-Forwarded-For hop that is not a trusted proxy when a trusted proxy forwarded the
 * request, and the socket's address otherwise. A header sent by an untrusted peer changes nothing.
 */
export function ipTracker(ip: string | undefined): string {
  return `ip:${ip ? normalizeIp(ip, IPV6_PREFIX) : 'unknown'}`;
}

/**
 * The account a sign-up, resend or password-forgot request is about: the `email` of the JSON body,
 * normalised as accounts store it (trimmed, NFC, lower case), so `Ada@Example.com ` and
 * `ada@example.com` share a budget. Hashed, so no address sits in Redis in clear. Undefined when
 * the body names none (a password reset carries only a token): then the IP alone is counted.
 * The body has not been validated yet (guards run before pipes), so nothing about it is assumed.
 */
export function accountTracker(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('email' in body)) return undefined;
  const { email } = body;
  if (typeof email !== 'string') return undefined;
  const normalised = normaliseEmail(email);
  if (!normalised) return undefined;
  return `account:${createHash('sha256').update(normalised).digest('hex')}`;
}
