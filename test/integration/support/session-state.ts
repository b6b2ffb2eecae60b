// What Redis says about a session: the revocation state behind access tokens that every API process
// reads (apps/api/src/identity/token-state.ts keeps it under `<REDIS_KEY_PREFIX>:auth:`).
import type { INestApplicationContext } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ApiConfig } from '@rampart/config';
import type { BootedApp } from './apps';

type Api = Pick<BootedApp<INestApplicationContext>, 'get'>;

export interface SessionState {
  /** Marked active: access tokens of the session are accepted. */
  active: boolean;
  /** Used recently: its inactivity deadline has not passed. */
  idle: boolean;
  /** Marked ended: no process may make it active again. */
  ended: boolean;
}

/** The Redis keys of a session's state: `active` holds the inactivity deadline (ms since the epoch). */
function sessionKeys(api: Api, sessionId: string): { active: string; ended: string } {
  const prefix = `${api.get(ApiConfig).redis.keyPrefix}:auth`;
  return { active: `${prefix}:active:${sessionId}`, ended: `${prefix}:ended:${sessionId}` };
}

export async function sessionState(redis: Redis, api: Api, sessionId: string): Promise<SessionState> {
  const keys = sessionKeys(api, sessionId);
  const [deadline, ended] = await Promise.all([redis.get(keys.active), redis.exists(keys.ended)]);
  return {
    active: deadline !== null,
    idle: deadline !== null && Number(deadline) > Date.now(),
    ended: ended === 1,
  };
}

/** Lets the session's inactivity window run out (simulated): its deadline moves into the past. */
export async function runOutInactivity(redis: Redis, api: Api, sessionId: string): Promise<void> {
  await redis.set(sessionKeys(api, sessionId).active, Date.now() - 1, 'KEEPTTL', 'XX');
}
