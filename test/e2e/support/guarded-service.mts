// A "guarded service" for the rollout e2e suite: a separate process that, like a real service under a
// canary, evaluates one flag per request over OFREP (OpenFeature server SDK + OFREP provider) and
// reports what each variant's requests did through Rampart's guardrail client (built, from dist/).
// Its faults are chosen by environment, and only ever hit requests served the target variant:
//   GUARDED_FAIL_SHARE     share of target requests that fail (answer 500)
//   GUARDED_THROW_ONCE     "1": the first target request throws (an uncaught exception)
//   GUARDED_LEAK_BYTES     bytes the process allocates and keeps once it first serves the target
// Traffic: GUARDED_RPS requests a second (0: idle) spread over GUARDED_USERS targeting keys.
// GET /stats answers what it served, by variant; GET /health/live answers once the provider is ready.
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OpenFeature } from '@openfeature/server-sdk';

const require = createRequire(import.meta.url);
// The client lib as the build emits it (CommonJS); the suite builds before it runs.
const { GuardrailHook, GuardrailReporter } =
  require('../../../dist/libs/guardrail-client/src/index.js') as typeof import('../../../libs/guardrail-client/src/index.ts');

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};

const rampartUrl = env('RAMPART_URL');
const serverKey = env('GUARDED_SERVER_KEY');
const flag = env('GUARDED_FLAG');
const target = env('GUARDED_TARGET', 'on');
const port = Number(env('PORT'));
const rps = Number(env('GUARDED_RPS', '40'));
const users = Number(env('GUARDED_USERS', '200'));
const failShare = Number(env('GUARDED_FAIL_SHARE', '0'));
let throwOnce = env('GUARDED_THROW_ONCE', '0') === '1';
const leakBytes = Number(env('GUARDED_LEAK_BYTES', '0'));

const reporter = new GuardrailReporter({
  url: rampartUrl,
  serverKey,
  instance: env('GUARDED_INSTANCE', `guarded-${process.pid}`),
  flushIntervalMs: Number(env('GUARDED_FLUSH_MS', '1000')),
  memorySampleIntervalMs: 250,
}).start();
const guardrails = new GuardrailHook(reporter);
OpenFeature.addHooks(guardrails);
await OpenFeature.setProviderAndWait(
  new OFREPProvider({ baseUrl: rampartUrl, headers: [['Authorization', `Bearer ${serverKey}`]] }),
);
const client = OpenFeature.getClient();

const served: Record<string, number> = {};
const failures: Record<string, number> = {};
let leaked: Buffer | undefined;
let sequence = 0;

/** One request: the flag decides the code path; faults only on the target's. */
async function handle(targetingKey: string): Promise<{ status: number }> {
  const details = await client.getBooleanDetails(flag, false, { targetingKey });
  const variant = details.variant ?? '(none)';
  served[variant] = (served[variant] ?? 0) + 1;
  if (variant !== target) return { status: 200 };
  if (leakBytes > 0 && !leaked) leaked = Buffer.alloc(leakBytes, 1); // touched pages: resident
  if (throwOnce) {
    throwOnce = false;
    throw new Error('the new code path threw');
  }
  return { status: Math.random() < failShare ? 500 : 200 };
}

async function oneRequest(): Promise<void> {
  const targetingKey = `user-${sequence++ % users}`;
  try {
    const answer = await guardrails.measure(() => handle(targetingKey), {
      failed: (response) => response.status >= 500,
    });
    if (answer.status >= 500) failures[target] = (failures[target] ?? 0) + 1;
  } catch {
    // Counted by the hook as an uncaught exception; a real service's error handler answers 500 here.
  }
}

if (rps > 0) setInterval(() => void oneRequest(), 1_000 / rps);

const server = createServer((request, response) => {
  const body =
    request.url === '/stats'
      ? { served, failures, rss: process.memoryUsage.rss(), leaked: leaked?.length ?? 0 }
      : { status: 'ok' };
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
});
server.listen(port, '127.0.0.1');

process.on('SIGTERM', () => {
  server.close();
  void reporter.close().finally(() => process.exit(0));
});
