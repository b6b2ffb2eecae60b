// The Redis connections every request uses ('state') against the real Redis: the commands of one
// event-loop turn leave in one socket write (the socket is corked for the turn), and every command
// still gets its own answer, in order, whether it came in the same turn as others or alone.
import type { Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { RuntimeConfig } from '@rampart/config';
import { RedisConnections } from '@rampart/jobs';
import { Metrics } from '@rampart/observability';
import { REDIS_URL, randomSuffix, runRedisPrefix } from '../../support/run-settings';

describe('RedisConnections', () => {
  const prefix = `${runRedisPrefix()}-connections-${randomSuffix()}`;
  const connections = new RedisConnections(
    { redis: { url: REDIS_URL } } as RuntimeConfig,
    new Metrics({ service: 'api', commit: 'test', build: 'test', env: 'test' }),
  );
  const opened: Redis[] = [];
  const open = async (role: 'state' | 'producer'): Promise<Redis> => {
    const redis = connections.open(role, `test-${role}`);
    opened.push(redis);
    await redis.ping();
    return redis;
  };
  /** The socket's writes to the kernel: a corked socket hands its buffered chunks over in one. */
  const countWrites = (socket: Socket): { writes: number } => {
    const seen = { writes: 0 };
    const handle = socket as unknown as {
      _writev: (...args: unknown[]) => void;
      _write: (...args: unknown[]) => void;
    };
    for (const method of ['_write', '_writev'] as const) {
      const original = handle[method].bind(socket);
      handle[method] = (...args: unknown[]) => {
        seen.writes += 1;
        original(...args);
      };
    }
    return seen;
  };

  afterAll(async () => {
    const redis = opened[0];
    if (redis) await redis.del(`${prefix}:counter`);
    for (const each of opened) each.disconnect();
  });

  it('sends the commands of one turn in one write on a state connection, each with its own answer', async () => {
    const redis = await open('state');
    const writes = countWrites(redis.stream);
    const answers = Promise.all(Array.from({ length: 20 }, () => redis.incr(`${prefix}:counter`)));
    expect(redis.stream.writableCorked).toBe(1);
    expect(await answers).toEqual(Array.from({ length: 20 }, (_, n) => n + 1));
    expect(writes.writes).toBe(1);
    expect(redis.stream.writableCorked).toBe(0);

    // Alone in its turn, a command is not held back past it.
    await nextTurn();
    expect(await redis.incr(`${prefix}:counter`)).toBe(21);
    expect(writes.writes).toBe(2);
  });

  it('leaves the other roles writing each command at once', async () => {
    const redis = await open('producer');
    const writes = countWrites(redis.stream);
    await Promise.all([redis.ping(), redis.ping(), redis.ping()]);
    expect(writes.writes).toBe(3);
  });
});
