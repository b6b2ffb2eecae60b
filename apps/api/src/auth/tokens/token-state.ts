import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ApiConfig } from '@rampart/config';
import { type Role, SessionRepository, UserRepository, type UserStatus } from '@rampart/db';
import { DomainError } from '@rampart/http';
import { createRedisConnection } from '@rampart/jobs';
import type { AccessClaims, Principal } from './principal';

/** How long cached user state lives; code that changes it calls forgetUser(), this bounds anything else. */
const USER_STATE_TTL_S = 300;

/** The user facts every request needs: cached in Redis, rebuilt from PostgreSQL on a miss. */
interface UserState {
  tokenVersion: number;
  status: UserStatus;
  role: Role;
}

function authUnavailable(): DomainError {
  return new DomainError(
    'auth_unavailable',
    503,
    'Authentication is unavailable right now; try again shortly.',
  );
}

/**
 * The revocation state behind access tokens, in Redis so that every API process sees a logout at
 * once: denied token ids (until they would expire anyway), active sessions, and each user's token
 * version, status and role. PostgreSQL stays the source of truth: a key missing from Redis (a
 * flush, a restart without persistence) is rebuilt from it. If Redis cannot be reached, checks
 * fail closed with 503 `auth_unavailable`, never open.
 */
@Injectable()
export class TokenState implements OnModuleDestroy {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly idle: { userMs: number; adminMs: number };

  constructor(
    config: ApiConfig,
    private readonly sessions: SessionRepository,
    private readonly users: UserRepository,
  ) {
    this.redis = createRedisConnection(config.redis.url, 'state', 'auth-state');
    this.prefix = `${config.redis.keyPrefix}:auth`;
    this.idle = config.sessionIdleTimeout;
  }

  private denyKey(jti: string): string {
    return `${this.prefix}:deny:${jti}`;
  }

  private sessionKey(sessionId: string): string {
    return `${this.prefix}:session:${sessionId}`;
  }

  private userKey(userId: string): string {
    return `${this.prefix}:user:${userId}`;
  }

  /** Present while the session has been used recently; every request slides it. */
  private idleKey(sessionId: string): string {
    return `${this.prefix}:idle:${sessionId}`;
  }

  private idleMs(role: Role): number {
    return role === 'admin' ? this.idle.adminMs : this.idle.userMs;
  }

  private async guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw authUnavailable();
    }
  }

  /** Records a new or refreshed session as active until its absolute end. */
  activateSession(sessionId: string, expiresAt: Date, user: UserState & { id: string }): Promise<void> {
    return this.guarded(async () => {
      const ttlMs = Math.max(1, expiresAt.getTime() - Date.now());
      await this.redis
        .multi()
        .set(this.sessionKey(sessionId), '1', 'PX', ttlMs)
        .set(this.idleKey(sessionId), '1', 'PX', Math.min(ttlMs, this.idleMs(user.role)))
        .set(
          this.userKey(user.id),
          JSON.stringify({ tokenVersion: user.tokenVersion, status: user.status, role: user.role }),
          'EX',
          USER_STATE_TTL_S,
        )
        .exec();
    });
  }

  /** True when the session exists but has been idle past its timeout (checked before a refresh). */
  sessionIdle(sessionId: string): Promise<boolean> {
    return this.guarded(async () => {
      const [session, idle] = await this.redis.mget(this.sessionKey(sessionId), this.idleKey(sessionId));
      return session !== null && idle === null;
    });
  }

  /** Refuses the token id until it would have expired anyway. */
  deny(jti: string, expiresAt: Date): Promise<void> {
    return this.guarded(async () => {
      await this.redis.set(
        this.denyKey(jti),
        '1',
        'PX',
        Math.max(1, expiresAt.getTime() - Date.now() + 60_000),
      );
    });
  }

  endSessions(sessionIds: string[]): Promise<void> {
    if (!sessionIds.length) return Promise.resolve();
    return this.guarded(async () => {
      await this.redis.del(...sessionIds.map((id) => this.sessionKey(id)));
    });
  }

  /** Forgets the cached user state, so the next request reads the new version, status or role from PostgreSQL. */
  forgetUser(userId: string): Promise<void> {
    return this.guarded(async () => {
      await this.redis.del(this.userKey(userId));
    });
  }

  /** Turns verified claims into a principal, or refuses them as revoked. */
  authorize(claims: AccessClaims): Promise<Principal> {
    return this.guarded(async () => {
      const [denied, session, cachedUser, idle] = await this.redis.mget(
        this.denyKey(claims.jti),
        this.sessionKey(claims.sid),
        this.userKey(claims.sub),
        this.idleKey(claims.sid),
      );
      const revoked = (): DomainError =>
        new DomainError('token_revoked', 401, 'The session has ended; sign in again.');
      if (denied) throw revoked();
      const restored = !session;
      if (restored && !(await this.restoreSession(claims.sid, claims.sub))) throw revoked();
      const user = cachedUser ? (JSON.parse(cachedUser) as UserState) : await this.restoreUser(claims.sub);
      if (!user || user.tokenVersion !== claims.ver || user.status !== 'active') throw revoked();
      if (!idle && !restored) {
        await this.expireIdle(claims.sid);
        throw new DomainError(
          'session_expired',
          401,
          'The session ended after a period of inactivity; sign in again.',
        );
      }
      // Slide the inactivity window (15 minutes for admins). Not awaited: the answer does not depend on it.
      this.redis.pexpire(this.idleKey(claims.sid), this.idleMs(user.role)).catch(() => undefined);
      return {
        userId: claims.sub,
        sessionId: claims.sid,
        role: user.role,
        amr: claims.amr,
        jti: claims.jti,
        expiresAt: new Date(claims.exp * 1_000),
      };
    });
  }

  /** An idle session ends for good: in PostgreSQL (its refresh tokens die) and for every API process. */
  async expireIdle(sessionId: string): Promise<void> {
    await this.sessions.revoke(sessionId, 'idle_timeout');
    await this.guarded(async () => {
      await this.redis.del(this.sessionKey(sessionId), this.idleKey(sessionId));
    });
  }

  /** After a Redis loss: the session's state comes back from PostgreSQL, with a fresh inactivity window. */
  private async restoreSession(sessionId: string, userId: string): Promise<boolean> {
    const session = await this.sessions.findActive(sessionId);
    if (!session || session.userId !== userId) return false;
    const ttlMs = Math.max(1, session.expiresAt.getTime() - Date.now());
    await this.redis
      .multi()
      .set(this.sessionKey(sessionId), '1', 'PX', ttlMs)
      .set(this.idleKey(sessionId), '1', 'PX', Math.min(ttlMs, this.idle.userMs), 'NX')
      .exec();
    return true;
  }

  private async restoreUser(userId: string): Promise<UserState | null> {
    const user = await this.users.findById(userId);
    if (!user) return null;
    const state: UserState = { tokenVersion: user.tokenVersion, status: user.status, role: user.role };
    await this.redis.set(this.userKey(userId), JSON.stringify(state), 'EX', USER_STATE_TTL_S);
    return state;
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
