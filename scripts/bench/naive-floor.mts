// The naive authenticated floor for the auth benchmark: what a hand-written GET /v1/auth/me costs.
// Bare Fastify 5, the Bearer token verified with jose (HS256, the API's secret, issuer and audience, so
// the API's own access token passes), then one Redis round trip per request: a MGET of a denylist key
// for the token's jti and a session key for its sid (the denylist key present answers 401, as a
// revoked token would). No database read, no logger, no plugins; the body is a fixed JSON text the
// benchmark hands over (the API's own /me answer for the same token), so both send the same bytes.
//
//   BENCH_FLOOR_PORT=<port> JWT_SECRET=... JWT_ISSUER=... JWT_AUDIENCE=... REDIS_URL=...
//   REDIS_KEY_PREFIX=... BENCH_FLOOR_BODY='{"id":...}' node scripts/bench/naive-floor.mts
//
// Listens on 127.0.0.1, answers GET /v1/auth/me and GET /__healthz (the readiness probe), and prints
// one line, `naive-floor listening on http://127.0.0.1:<port>`.
//
// Keep this file free of TypeScript-only syntax: like bare-fastify.mts, the benchmark runs its text
// with `node --input-type=module --eval`, so the measured process does not load Node's TypeScript
// stripper.
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { jwtVerify } from 'jose';

const env = process.env;
const port = Number(env.BENCH_FLOOR_PORT);
const missing = ['JWT_SECRET', 'JWT_ISSUER', 'JWT_AUDIENCE', 'REDIS_URL', 'BENCH_FLOOR_BODY'].filter(
  (name) => !env[name],
);
if (!Number.isInteger(port) || port <= 0 || port > 65535 || missing.length > 0) {
  console.error(`naive-floor: set BENCH_FLOOR_PORT and ${missing.join(', ') || 'the rest'}`);
  process.exit(2);
}

const key = new TextEncoder().encode(env.JWT_SECRET ?? '');
const verifyOptions = { algorithms: ['HS256'], issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE };
const prefix = `${env.REDIS_KEY_PREFIX ?? 'naive-floor'}:floor`;
const body = env.BENCH_FLOOR_BODY;
const redis = new Redis(env.REDIS_URL ?? '', { lazyConnect: false, maxRetriesPerRequest: 1 });

const app = Fastify({ logger: false });

app.get('/__healthz', () => ({ status: 'ok' }));

app.get('/v1/auth/me', async (request, reply) => {
  const header = request.headers.authorization ?? '';
  if (!header.startsWith('Bearer ')) return reply.code(401).send({ code: 'unauthenticated' });
  let payload;
  try {
    ({ payload } = await jwtVerify(header.slice(7), key, verifyOptions));
  } catch {
    return reply.code(401).send({ code: 'unauthenticated' });
  }
  const [denied] = await redis.mget(
    `${prefix}:deny:${String(payload.jti)}`,
    `${prefix}:session:${String(payload.sid)}`,
  );
  if (denied !== null) return reply.code(401).send({ code: 'unauthenticated' });
  return reply.type('application/json; charset=utf-8').send(body);
});

const close = () => {
  void app
    .close()
    .then(() => redis.quit())
    .finally(() => process.exit(0));
};
process.once('SIGTERM', close);
process.once('SIGINT', close);

await app.listen({ host: '127.0.0.1', port });
console.log(`naive-floor listening on http://127.0.0.1:${port}`);
