import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import pg from 'pg';
import { JobName, QueueName, queuePrefix } from '@rampart/jobs';
import { DEFAULT_PASSWORD, booleanFlag, uniqueEmail } from '../../factories';
import { eventually } from '../../support/eventually';
import { deleteRedisKeys } from '../../support/redis-keys.mts';
import { REDIS_URL, runDatabaseUrl } from '../../support/run-settings';
import { callApi } from '../support/api-call';
import { type SpawnedMailStack, startSpawnedMailStack } from '../support/mail-stack';
import { createRoleAccounts } from '../support/role-sessions';
import { signIn, signInWithMfa } from '../support/sign-in';

/** What the load saw, per operation: status code → count. */
type LoadReport = Record<'register' | 'signIn' | 'flags', Record<number, number>>;

/**
 * Light load until stopped: sign-ups (each answered 2xx is an accepted write), sign-ins and flag
 * evaluations, three requests in flight at a time.
 */
function startLoad(
  url: string,
  viewer: { email: string; password: string },
  viewerToken: string,
  accepted: string[],
): { stop(): Promise<LoadReport> } {
  const report: LoadReport = { register: {}, signIn: {}, flags: {} };
  const count = (operation: keyof LoadReport, status: number): void => {
    report[operation][status] = (report[operation][status] ?? 0) + 1;
  };
  let running = true;
  const lane = async (lane: number): Promise<void> => {
    for (let n = 0; running; n++) {
      const operation = (['register', 'signIn', 'flags'] as const)[(n + lane) % 3] ?? 'flags';
      try {
        if (operation === 'register') {
          const email = uniqueEmail('redis-loss');
          const answer = await callApi(url, 'POST', '/v1/auth/register', {
            body: { email, password: DEFAULT_PASSWORD },
          });
          if (answer.status >= 200 && answer.status < 300) accepted.push(email);
          count(operation, answer.status);
        } else if (operation === 'signIn') {
          count(operation, (await callApi(url, 'POST', '/v1/auth/login', { body: viewer })).status);
        } else {
          count(operation, (await callApi(url, 'GET', '/v1/flags', { token: viewerToken })).status);
        }
      } catch {
        count(operation, 0);
      }
    }
  };
  const lanes = [0, 1, 2].map(lane);
  return {
    async stop() {
      running = false;
      await Promise.all(lanes);
      return report;
    },
  };
}

/** The keys under `prefix`, counted by what they are for (`bull:email`, `auth:active`, ...). */
async function keyInventory(prefix: string): Promise<Record<string, number>> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const inventory: Record<string, number> = {};
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      for (const key of keys) {
        const kind = key.slice(prefix.length).split(':').slice(0, 2).join(':');
        inventory[kind] = (inventory[kind] ?? 0) + 1;
      }
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return inventory;
}

/**
 * The Redis loss drill of docs/backup-and-restore.md: with the API and the worker under light load,
 * the deployment's whole keyspace goes (queues, schedules, sessions, denylist, caches), and what Redis
 * held must either come back from PostgreSQL or not have mattered: no accepted sign-up is lost, a live
 * session keeps working, a revoked token stays refused, flags are served, and the worker's schedules
 * (heartbeat, outbox sweep) come back on their own.
 */
describe('Redis loss drill', () => {
  let stack: SpawnedMailStack;
  let db: pg.Pool;
  let prefix: string;

  beforeAll(async () => {
    stack = await startSpawnedMailStack({
      // Quick sweeps and beats, so the drill sees recovery within seconds instead of minutes.
      OUTBOX_SWEEP_INTERVAL_MS: '500',
      OUTBOX_SWEEP_AFTER_MS: '1000',
      WORKER_HEARTBEAT_INTERVAL_MS: '1000',
    });
    prefix = stack.env.REDIS_KEY_PREFIX ?? '';
    db = new pg.Pool({ connectionString: runDatabaseUrl(), max: 2 });
  });
  afterAll(async () => {
    // A failed run may leave the worker stopped; it could not shut down then.
    stack?.worker.signal('SIGCONT');
    await stack?.stop();
    await db?.end();
  });

  it('loses nothing that was accepted when the keyspace goes under load, and rebuilds the rest', async () => {
    const url = stack.api.url;
    const accounts = await createRoleAccounts(stack.env);
    const viewer = await signIn(url, accounts.viewer);
    const revoked = await signIn(url, accounts.operator);
    expect((await callApi(url, 'POST', '/v1/auth/logout', { token: revoked.accessToken })).status).toBe(204);
    const admin = await signInWithMfa(url, accounts.admin);
    const flag = booleanFlag();
    const version = (await callApi(url, 'GET', '/v1/admin/flags', { token: admin.accessToken })).body.version;
    const created = await callApi(url, 'POST', '/v1/admin/flags', {
      token: admin.accessToken,
      body: { flag, reason: 'redis loss drill', expectedVersion: version },
    });
    expect(created.status).toBe(201);

    const accepted: string[] = [];
    const credentials = { email: accounts.viewer.email, password: accounts.viewer.password };
    const load = startLoad(url, credentials, viewer.accessToken, accepted);
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    // A worker that is behind (stopped here) leaves sign-up jobs waiting in Redis: they go with it.
    stack.worker.signal('SIGSTOP');
    const stranded: string[] = [];
    for (let n = 0; n < 5; n++) {
      const email = uniqueEmail('redis-loss-stranded');
      const answer = await callApi(url, 'POST', '/v1/auth/register', {
        body: { email, password: DEFAULT_PASSWORD },
      });
      expect(answer.status).toBe(202);
      stranded.push(email);
    }
    accepted.push(...stranded);
    const lost = await keyInventory(`${prefix}:`);
    // Not FLUSHALL: other suites share this Redis server. Deleting every key of the deployment's
    // prefix (SCAN MATCH + UNLINK) is what a lost or emptied Redis is to this one deployment.
    const deleted = await deleteRedisKeys(REDIS_URL, `${prefix}:`);
    stack.worker.signal('SIGCONT');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const report = await load.stop();
    // Losing the keyspace is not an outage: every request of the load was answered as usual.
    expect(Object.keys(report.register)).toEqual(['202']);
    expect(Object.keys(report.signIn)).toEqual(['200']);
    expect(Object.keys(report.flags)).toEqual(['200']);

    // Sessions: the live one is rebuilt from PostgreSQL, the logged-out one stays refused.
    const me = (token: string) => callApi(url, 'GET', '/v1/auth/me', { token });
    expect((await me(viewer.accessToken)).status).toBe(200);
    const refused = await me(revoked.accessToken);
    expect([refused.status, refused.body.code]).toEqual([401, 'token_revoked']);
    expect(
      (await callApi(url, 'POST', '/v1/auth/refresh', { body: { refreshToken: revoked.refreshToken } }))
        .status,
    ).toBe(401);

    // Flags: evaluated from the in-memory set that PostgreSQL filled, not from Redis.
    const flags = await callApi(url, 'GET', '/v1/flags', { token: viewer.accessToken });
    expect(flags.status).toBe(200);
    expect((flags.body.flags as { key: string }[]).map((each) => each.key)).toContain(flag.key);

    // The worker's schedules come back without a restart.
    const maintenance = new Queue(QueueName.Maintenance, {
      connection: { url: REDIS_URL },
      prefix: queuePrefix(prefix),
    });
    try {
      const schedules = await eventually(
        async () => (await maintenance.getJobSchedulers()).map((scheduler) => scheduler.key).sort(),
        (keys) => keys.includes(JobName.OutboxSweep) && keys.includes(JobName.Heartbeat),
        15_000,
        250,
      );
      expect(schedules).toEqual(expect.arrayContaining([JobName.Heartbeat, JobName.OutboxSweep]));
    } finally {
      await maintenance.close();
    }

    // No accepted write lost: every sign-up answered 2xx became an account, and its mail arrived.
    const missing = async (): Promise<{ accounts: string[]; mails: string[] }> => {
      const found = await db.query<{ email: string }>('SELECT email FROM users WHERE email = ANY($1)', [
        accepted,
      ]);
      const existing = new Set(found.rows.map((row) => row.email));
      const mailed = new Set(stack.sink.mails.map((mail) => mail.to));
      return {
        accounts: accepted.filter((email) => !existing.has(email)),
        mails: accepted.filter((email) => ![...mailed].some((to) => to.includes(email))),
      };
    };
    const gaps = await eventually(missing, (gap) => !gap.accounts.length && !gap.mails.length, 30_000, 250);
    expect(gaps).toEqual({ accounts: [], mails: [] });
    const ready = await eventually(
      async () => (await callApi(url, 'GET', '/health/ready')).status,
      (status) => status === 200,
      15_000,
      250,
    );
    expect(ready).toBe(200);

    const rebuilt = await keyInventory(`${prefix}:`);
    console.log(
      [
        `Redis loss drill: ${deleted} keys deleted under load, by kind: ${JSON.stringify(lost)}`,
        `load (status → count): ${JSON.stringify(report)}`,
        `${accepted.length} sign-ups accepted (${stranded.length} while the worker was stopped): all became accounts with their mail`,
        `keys rebuilt since: ${JSON.stringify(rebuilt)}`,
      ].join('\n'),
    );
  }, 90_000);
});
