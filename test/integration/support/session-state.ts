// What Redis says about a session: the revocation state behind access tokens that every API process
// reads (apps/api/src/auth/tokens/token-state.ts keeps it under `<REDIS_KEY_PREFIX>:auth:`).
import type { INestApplicationContext } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ApiConfig } from '@rampart/config';
import type { BootedApp } from './apps';

export interface SessionState {
  /** Marked active: access tokens of the session are accepted. */
  active: boolean;
  /** Used recently: its inactivity window is open. */
  idle: boolean;
  /** Marked ended: no process may make it active again. */
  ended: boolean;
}

export async function sessionState(
  redis: Redis,
  api: Pick<BootedApp<INestApplicationContext>, 'get'>,
  sessionId: string,
): Promise<SessionState> {
  const prefix = `${api.get(ApiConfig).redis.keyPrefix}:auth`;
  const [active, idle, ended] = await Promise.all(
    ['session', 'idle', 'ended'].map((kind) => redis.exists(`${prefix}:${kind}:${sessionId}`)),
  );
  return { active: active === 1, idle: idle === 1, ended: ended === 1 };
}
