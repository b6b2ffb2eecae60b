// The baseline for the healthz benchmark: Fastify 5 with nothing but GET /__healthz, answering the
// same JSON as the API's route. No logger, no plugins, no hooks.
//
//   node scripts/bench/bare-fastify.mts <port>      (or BENCH_BARE_PORT=<port>)
//
// Listens on 127.0.0.1 and prints one line, `bare-fastify listening on http://127.0.0.1:<port>`.
//
// Keep this file free of TypeScript-only syntax: the benchmark runs its text with
// `node --input-type=module --eval`, so the measured process does not load Node's TypeScript
// stripper (about 16 MiB of RSS the baseline should not carry).
import Fastify from 'fastify';

const port = Number(process.argv[2] ?? process.env.BENCH_BARE_PORT);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error('usage: node scripts/bench/bare-fastify.mts <port>');
  process.exit(2);
}

const app = Fastify({ logger: false });

app.get('/__healthz', () => ({ status: 'ok', env: 'test', time: new Date().toISOString() }));

const close = () => {
  void app.close().then(() => process.exit(0));
};
process.once('SIGTERM', close);
process.once('SIGINT', close);

await app.listen({ host: '127.0.0.1', port });
console.log(`bare-fastify listening on http://127.0.0.1:${port}`);
