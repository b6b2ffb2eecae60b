import { randomUUID } from 'node:crypto';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { ApiConfig } from '@rampart/config';
import { type Role, SessionRepository, type User, UserRepository } from '@rampart/db';
import { DomainError } from '@rampart/http';
import { RedisConnections } from '@rampart/jobs';
import type { AccessClaims, UserPrincipal } from './principal';

/** How long cached user state lives; code that changes it calls forgetUser(), this bounds anything else. */
const USER_STATE_TTL_S = 300;
/** How long a user's change marker lives: far longer than any read-then-fill of the cache takes. */
const USER_EPOCH_TTL_S = 86_400;
/**
 * A session's inactivity deadline is slid by a write only once it has run down by this share of
 * the window (at most a minute): a session in use costs one Redis write a minute, not one per
 * request, and its window closes at most that much early, never late.
 */
const SLIDE_SLACK_SHARE = 0.05;
const SLIDE_SLACK_MAX_MS = 60_000;
/** Users whose cached JSON was last parsed here: the same text is not parsed again. */
const PARSED_USERS_MAX = 10_000;
/** How long an ended session stays marked as ended beyond the longest access token (`exp` plus skew). */
const ENDED_MARGIN_MS = 120_000;

/**
 * KEYS: session, ended marker. ARGV: session TTL ms, the inactivity deadline (ms since the epoch),
 * 'nx' to keep an existing entry. Marks a session active unless it has ended: checked and written in
 * one step, so a sign-in or refresh that finishes after the session was ended (by an admin, logout,
 * reuse detection) cannot bring it back, whatever order the API processes run in.
 */
const ACTIVATE_SESSION_SCRIPT = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if ARGV[3] == 'nx' then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[1], 'NX')
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[1])
end
return 1`;

/**
 * KEYS: user state, user change marker. ARGV: state JSON, TTL s, the marker seen before PostgreSQL
 * was read ('' for none). Caches what was read only if no change was acknowledged since: a reader
 * that read the old role or status before an admin's change committed can never cache it after.
 */
const FILL_USER_SCRIPT = `
local current = redis.call('GET', KEYS[2]) or ''
if current ~= ARGV[3] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1`;

/**
 * The user as every request needs it (token version, status, role) and as `GET /v1/auth/me` shows it:
 * cached in Redis, rebuilt from PostgreSQL on a miss, so the hot path reads no database. Dates are
 * ISO strings in the cache.
 */
type CachedUser = Omit<User, 'emailVerifiedAt' | 'mfaEnabledAt' | 'createdAt'> & {
  emailVerifiedAt: string | null;
  mfaEnabledAt: string | null;
  createdAt: string;
};

function cachedFrom(user: User): CachedUser {
  return {
    ...user,
    emailVerifiedAt: user.emailVerifiedAt?.toISOString() ?? null,
    mfaEnabledAt: user.mfaEnabledAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
  };
}

/** The cached user, or null for an entry of an older shape (then it is read again, as on a miss). */
function userFrom(json: string): User | null {
  const cached = JSON.parse(json) as Partial<CachedUser>;
  if (typeof cached.id !== 'string' || typeof cached.email !== 'string' || cached.createdAt === undefined) {
    return null;
  }
  const full = cached as CachedUser;
  return {
    ...full,
    emailVerifiedAt: full.emailVerifiedAt === null ? null : new Date(full.emailVerifiedAt),
    mfaEnabledAt: full.mfaEnabledAt === null ? null : new Date(full.mfaEnabledAt),
    createdAt: new Date(full.createdAt),
  };
}

/** Whether a session's inactivity deadline (its Redis value, ms since the epoch) has passed. */
function idlePast(deadline: string): boolean {
  return !(Number(deadline) > Date.now());
}

/**
 * Whether a request should write the session's deadline forward: unless it is still within the
 * slack of a full window (and not beyond it, as after a restore with another role's window).
 */
function slideDue(deadline: string | null, idleMs: number): boolean {
  if (deadline === null) return true;
  const remaining = Number(deadline) - Date.now();
  const slack = Math.min(SLIDE_SLACK_MAX_MS, idleMs * SLIDE_SLACK_SHARE);
  return !(remaining >= idleMs - slack && remaining <= idleMs);
}

/** What readState() read, in the order of its keys; a missing key is null. */
export type TokenStateRead = (string | null)[];

function authUnavailable(): DomainError {
  return new DomainError(
    'auth_unavailable',
    503,
    'Authentication is unavailable right now; try again shortly.',
  );
}

/**
 * The revocation state behind access tokens, in Redis so that every API process sees a logout at
 * once: denied token ids (until they would expire anyway), active sessions with their inactivity
 * deadlines, and each user's token version, status and role. PostgreSQL stays the source of truth:
 * a key missing from Redis (a flush, a restart without persistence) is rebuilt from it. If Redis
 * cannot be reached, checks fail closed with 503 `auth_unavailable`, never open.
 */
@Injectable()
export class TokenState implements OnModuleDestroy {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly idle: { userMs: number; adminMs: number };
  private readonly endedMarkerMs: number;
  /** The user each principal authorize() returned was checked against: what `/me` answers with. */
  private readonly accounts = new WeakMap<UserPrincipal, User>();
  /**
   * The cached user as last read from Redis, by id, with the text it was parsed from: the user is
   * still read from Redis on every request (that read is what keeps changes exact across
   * processes), but the same text is not parsed again (JSON and dates, 3 to 5 % of /me's CPU).
   */
  private readonly parsed = new LRUCache<string, { json: string; user: User }>({ max: PARSED_USERS_MAX });

  constructor(
    config: ApiConfig,
    private readonly sessions: SessionRepository,
    private readonly users: UserRepository,
    connections: RedisConnections,
  ) {
    this.redis = connections.open('state', 'auth-state');
    this.prefix = `${config.redis.keyPrefix}:auth`;
    this.idle = config.sessionIdleTimeout;
    this.endedMarkerMs = config.jwt.accessTokenTtlSeconds * 1_000 + ENDED_MARGIN_MS;
  }

  private denyKey(jti: string): string {
    return `${this.prefix}:deny:${jti}`;
  }

  /**
   * Present while the session is active (until its absolute end); its value is the inactivity
   * deadline, which requests slide (slideDue). One key, not an activity key beside it: a Redis that lost
   * part of its keyspace (a flush midway, an eviction) must never look like an idle session, and
   * two keys can be lost one at a time. A missing key is rebuilt from PostgreSQL.
   */
  private sessionKey(sessionId: string): string {
    return `${this.prefix}:active:${sessionId}`;
  }

  private userKey(userId: string): string {
    return `${this.prefix}:user:${userId}`;
  }

  /** Changes whenever the user's version, status or role changed (forgetUser): the cache's fence. */
  private userEpochKey(userId: string): string {
    return `${this.prefix}:user-epoch:${userId}`;
  }

  /** Present for a while after a session ended, so nothing can mark it active again. */
  private endedKey(sessionId: string): string {
    return `${this.prefix}:ended:${sessionId}`;
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

  /**
   * Records a new or refreshed session as active until its absolute end; false when the session
   * was ended meanwhile. It does not cache the user's role or status: those were read at the start
   * of the sign-in and may be older than an admin's change, so only authorize() fills that cache.
   */
  activateSession(sessionId: string, expiresAt: Date, role: Role): Promise<boolean> {
    return this.guarded(async () => {
      return this.markActive(sessionId, expiresAt, this.idleMs(role), false);
    });
  }

  private async markActive(
    sessionId: string,
    expiresAt: Date,
    idleMs: number,
    keepExisting: boolean,
  ): Promise<boolean> {
    const now = Date.now();
    const activated = await this.redis.eval(
      ACTIVATE_SESSION_SCRIPT,
      2,
      this.sessionKey(sessionId),
      this.endedKey(sessionId),
      Math.max(1, expiresAt.getTime() - now),
      now + idleMs,
      keepExisting ? 'nx' : '',
    );
    return activated === 1;
  }

  /** True when the session exists but has been idle past its timeout (checked before a refresh). */
  sessionIdle(sessionId: string): Promise<boolean> {
    return this.guarded(async () => {
      const deadline = await this.redis.get(this.sessionKey(sessionId));
      return deadline !== null && idlePast(deadline);
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

  /** Call after the sessions were ended in PostgreSQL: every process refuses them from now on, for good. */
  endSessions(sessionIds: string[]): Promise<void> {
    if (!sessionIds.length) return Promise.resolve();
    return this.guarded(async () => {
      const multi = this.redis.multi();
      for (const id of sessionIds) {
        multi.set(this.endedKey(id), '1', 'PX', this.endedMarkerMs).del(this.sessionKey(id));
      }
      await multi.exec();
    });
  }

  /**
   * Call after a change of the user's version, status, role or MFA committed: the cached state goes, and
   * the change marker moves on, so a request that read the user before the commit cannot cache
   * what it read (see FILL_USER_SCRIPT).
   */
  forgetUser(userId: string): Promise<void> {
    return this.guarded(async () => {
      await this.redis
        .multi()
        .set(this.userEpochKey(userId), randomUUID(), 'EX', USER_EPOCH_TTL_S)
        .del(this.userKey(userId))
        .exec();
    });
  }

  /**
   * The token's live state, as one MGET: denylist, session (its inactivity deadline), cached user,
   * the user's change marker, ended marker. authorize() reads it itself unless it is given a read
   * started earlier (the Authenticator starts it beside the rate limiter's hit: one round trip
   * instead of two in a row). Rejects with 503 `auth_unavailable` when Redis is away; a caller
   * that may never await it must catch it.
   */
  readState(claims: AccessClaims): Promise<TokenStateRead> {
    return this.guarded(() =>
      this.redis.mget(
        this.denyKey(claims.jti),
        this.sessionKey(claims.sid),
        this.userKey(claims.sub),
        this.userEpochKey(claims.sub),
        this.endedKey(claims.sid),
      ),
    );
  }

  /** Turns verified claims and their live state (readState) into a principal, or refuses them as revoked. */
  authorize(
    claims: AccessClaims,
    read: Promise<TokenStateRead> = this.readState(claims),
  ): Promise<UserPrincipal> {
    return this.guarded(async () => {
      const [denied, session, cachedUser, userEpoch, ended] = await read;
      const revoked = (): DomainError =>
        new DomainError('token_revoked', 401, 'The session has ended; sign in again.');
      if (denied || ended) throw revoked();
      const restored = !session;
      if (restored && !(await this.restoreSession(claims.sid, claims.sub))) throw revoked();
      const user =
        (cachedUser ? this.parsedUser(claims.sub, cachedUser) : null) ??
        (await this.restoreUser(claims.sub, userEpoch ?? ''));
      if (!user || user.tokenVersion !== claims.ver || user.status !== 'active') throw revoked();
      if (session && idlePast(session)) {
        await this.expireIdle(claims.sid);
        throw new DomainError(
          'session_expired',
          401,
          'The session ended after a period of inactivity; sign in again.',
        );
      }
      // Slide the inactivity deadline (15 minutes for admins); XX: never brings back a session that
      // ended meanwhile. Not awaited: the answer does not depend on it.
      const idleMs = this.idleMs(user.role);
      if (slideDue(session ?? null, idleMs)) {
        this.redis
          .set(this.sessionKey(claims.sid), Date.now() + idleMs, 'KEEPTTL', 'XX')
          .catch(() => undefined);
      }
      const principal: UserPrincipal = {
        kind: 'user',
        userId: claims.sub,
        sessionId: claims.sid,
        role: user.role,
        amr: claims.amr,
        jti: claims.jti,
        expiresAt: new Date(claims.exp * 1_000),
      };
      this.accounts.set(principal, user);
      return principal;
    });
  }

  /**
   * The account as it was when authorize() let this principal in (this request's view: the cache,
   * which every committed change clears through forgetUser), or as PostgreSQL has it for a principal
   * authorize() did not make. Null when the user is gone.
   */
  async accountOf(principal: UserPrincipal): Promise<User | null> {
    return this.accounts.get(principal) ?? this.users.findById(principal.userId);
  }

  private parsedUser(userId: string, json: string): User | null {
    const known = this.parsed.get(userId);
    if (known?.json === json) return known.user;
    const user = userFrom(json);
    if (user) this.parsed.set(userId, { json, user });
    return user;
  }

  /** An idle session ends for good: in PostgreSQL (its refresh tokens die) and for every API process. */
  async expireIdle(sessionId: string): Promise<void> {
    await this.sessions.revoke(sessionId, 'idle_timeout');
    await this.endSessions([sessionId]);
  }

  /** After a Redis loss: the session's state comes back from PostgreSQL, with a fresh inactivity window. */
  private async restoreSession(sessionId: string, userId: string): Promise<boolean> {
    const session = await this.sessions.findActive(sessionId);
    if (!session || session.userId !== userId) return false;
    return this.markActive(sessionId, session.expiresAt, this.idle.userMs, true);
  }

  /** A cache miss: the user as PostgreSQL has it now, cached unless a change was acknowledged meanwhile. */
  private async restoreUser(userId: string, epochSeen: string): Promise<User | null> {
    const user = await this.users.findById(userId);
    if (!user) return null;
    await this.redis.eval(
      FILL_USER_SCRIPT,
      2,
      this.userKey(userId),
      this.userEpochKey(userId),
      JSON.stringify(cachedFrom(user)),
      USER_STATE_TTL_S,
      epochSeen,
    );
    return user;
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
