import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ApiConfig } from '@rampart/config';
import { DomainError } from '@rampart/http';
import { createRedisConnection } from '@rampart/jobs';
import { hashOneTimeToken, newOneTimeToken } from '@rampart/identity';

/** How long the second step of a sign-in may take, and how many wrong codes it may see. */
export const MFA_CHALLENGE_TTL_S = 300;
export const MFA_CHALLENGE_MAX_FAILURES = 5;

/** KEYS[1] the challenge, ARGV[1] the limit: count a failure on a live challenge, end it at the limit. */
const FAIL_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
if failures >= tonumber(ARGV[1]) then redis.call('DEL', KEYS[1]) end
return failures`;

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

  constructor(config: ApiConfig) {
    this.redis = createRedisConnection(config.redis.url, 'state', 'mfa-challenges');
    this.prefix = `${config.redis.keyPrefix}:auth:mfa`;
  }

  private key(token: string): string {
    return `${this.prefix}:${hashOneTimeToken(token)}`;
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
   */
  fail(token: string): Promise<void> {
    return this.guarded(async () => {
      await this.redis.eval(FAIL_SCRIPT, 1, this.key(token), MFA_CHALLENGE_MAX_FAILURES);
    });
  }

  /** Ends the challenge; true only for the one caller that ended it (single use under races). */
  consume(token: string): Promise<boolean> {
    return this.guarded(async () => (await this.redis.del(this.key(token))) === 1);
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
