// What Redis says about a session: the revocation state behind access tokens that every API process
// reads (apps/api/src/auth/tokens/token-state.ts keeps it under `<REDIS_KEY_PREFIX>:auth:`).
import type { INestApplicationContext } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ApiConfig } from '@rampart/config';
import type { BootedApp } from './apps';

type Api = Pick<BootedApp<INestApplicationContext>, 'get'>;

export interface SessionState {
  /** Marked active: access tokens of the session are accepted. */
  active: boolean;
  /** Used recently: its inactivity window is open. */
  idle: boolean;
  /** Marked ended: no process may make it active again. */
  ended: boolean;
}

/** The Redis key of each part of a session's state. */
export function sessionKeys(api: Api, sessionId: string): Record<keyof SessionState, string> {
  const prefix = `${api.get(ApiConfig).redis.keyPrefix}:auth`;
  return {
    active: `${prefix}:session:${sessionId}`,
    idle: `${prefix}:idle:${sessionId}`,
    ended: `${prefix}:ended:${sessionId}`,
  };
}

export async function sessionState(redis: Redis, api: Api, sessionId: string): Promise<SessionState> {
  const keys = sessionKeys(api, sessionId);
  const [active, idle, ended] = await Promise.all(
    [keys.active, keys.idle, keys.ended].map((key) => redis.exists(key)),
  );
  return { active: active === 1, idle: idle === 1, ended: ended === 1 };
}
