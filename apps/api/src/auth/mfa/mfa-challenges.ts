import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ApiConfig } from '@rampart/config';
import { DomainError } from '@rampart/http';
import { RedisConnections } from '@rampart/jobs';
import { hashOneTimeToken, newOneTimeToken } from '@rampart/identity';

/** How long the second step of a sign-in may take, and how many wrong codes it may see. */
export const MFA_CHALLENGE_TTL_S = 300;
export const MFA_CHALLENGE_MAX_FAILURES = 5;

/**
 * KEYS: the challenge, its completion marker. ARGV: the limit. Counts a failure on a live challenge
 * and ends it at the limit; -2 when the challenge was completed (by a request with a good code), -1
 * when it ended otherwise (expired, or at its limit).
 */
const FAIL_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  if redis.call('EXISTS', KEYS[2]) == 1 then return -2 end
  return -1
end
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
if failures >= tonumber(ARGV[1]) then redis.call('DEL', KEYS[1]) end
return failures`;

/** KEYS: the challenge, its completion marker. ARGV: the marker's TTL. 1 for the one caller that ended it. */
const CONSUME_SCRIPT = `
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
redis.call('SET', KEYS[2], '1', 'EX', ARGV[1])
return 1`;

/** What a wrong code did to its challenge. */
export type ChallengeFailure = 'counted' | 'ended' | 'completed';

export interface MfaChallenge {
  mfaRequired: true;
  mfaToken: string;
  expiresIn: number;
}

/**
 * The half-finished sign-in between the password and the second factor: a short-lived, single-use
 * token (stored in Redis by its hash) naming the user. Five wrong codes end it, so a challenge
 * cannot be used to guess codes; each new one needs the password again (and counts for lockout).
 */
@Injectable()
export class MfaChallenges implements OnModuleDestroy {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(config: ApiConfig, connections: RedisConnections) {
    this.redis = connections.open('state', 'mfa-challenges');
    this.prefix = `${config.redis.keyPrefix}:auth:mfa`;
  }

  private key(token: string): string {
    return `${this.prefix}:${hashOneTimeToken(token)}`;
  }

  private completedKey(token: string): string {
    return `${this.prefix}:done:${hashOneTimeToken(token)}`;
  }

  private async guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch {
      throw new DomainError(
        'auth_unavailable',
        503,
        'Authentication is unavailable right now; try again shortly.',
      );
    }
  }

  issue(userId: string): Promise<MfaChallenge> {
    return this.guarded(async () => {
      const { token } = newOneTimeToken();
      await this.redis
        .multi()
        .hset(this.key(token), { userId, failures: '0' })
        .expire(this.key(token), MFA_CHALLENGE_TTL_S)
        .exec();
      return { mfaRequired: true, mfaToken: token, expiresIn: MFA_CHALLENGE_TTL_S };
    });
  }

  /** The user a live challenge belongs to, or null. */
  userOf(token: string): Promise<string | null> {
    return this.guarded(async () => (await this.redis.hget(this.key(token), 'userId')) ?? null);
  }

  /**
   * A wrong code: counts it, and ends the challenge at the limit. One script, so a challenge that
   * ended meanwhile (used, expired, at its limit) is never brought back as a key without expiry.
   * 'completed' tells the caller that a parallel request signed in with this challenge: a code that
   * failed then (typically the same code, submitted twice) is no guess.
   */
  fail(token: string): Promise<ChallengeFailure> {
    return this.guarded(async () => {
      const result = await this.redis.eval(
        FAIL_SCRIPT,
        2,
        this.key(token),
        this.completedKey(token),
        MFA_CHALLENGE_MAX_FAILURES,
      );
      if (result === -2) return 'completed';
      return result === -1 ? 'ended' : 'counted';
    });
  }

  /** Ends the challenge; true only for the one caller that ended it (single use under races). */
  consume(token: string): Promise<boolean> {
    return this.guarded(async () => {
      const ended = await this.redis.eval(
        CONSUME_SCRIPT,
        2,
        this.key(token),
        this.completedKey(token),
        MFA_CHALLENGE_TTL_S,
      );
      return ended === 1;
    });
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
