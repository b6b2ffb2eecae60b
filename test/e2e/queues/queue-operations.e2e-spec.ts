import pg from 'pg';
import { QueueEvents } from 'bullmq';
import { JobName, JobProducer, PurgeTarget, QueueName, queuePrefix } from '@rampart/jobs';
import { appEnv } from '../../support/app-env';
import { createActiveUser } from '../../factories';
import { AppProcess } from '../support/app-process';
import { type RunningApi, startApiInProcess } from '../../support/in-process-api';
import { REDIS_URL, runDatabaseUrl } from '../../support/run-settings';

interface QueueStatsBody {
  queues: {
    name: string;
    waiting: number;
    active: number;
    delayed: number;
    failed: number;
    completed: number;
    oldestWaitingAgeMs: number | null;
  }[];
}

describe('queue operations', () => {
  describe('with the dashboard enabled (development)', () => {
    let api: RunningApi;

    beforeAll(async () => {
      api = await startApiInProcess({ QUEUE_DASHBOARD_ENABLED: 'true' });
    });
    afterAll(() => api.close());

    it('GET /v1/admin/queues reports counts per queue and the age of the oldest waiting job', async () => {
      // No worker runs for this API's key prefix, so these jobs stay waiting.
      const producer = api.app.get(JobProducer);
      await producer.enqueue(JobName.Heartbeat, { requestedBy: 'queue-stats-1' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      await producer.enqueue(JobName.Heartbeat, { requestedBy: 'queue-stats-2' });

      const operator = await createActiveUser(api.app, { role: 'operator' });
      const login = await fetch(`${api.url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: operator.email, password: operator.password }),
      });
      const { accessToken } = (await login.json()) as { accessToken: string };
      const response = await fetch(`${api.url}/v1/admin/queues`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as QueueStatsBody;
      expect(body.queues.map((queue) => queue.name).sort()).toEqual([QueueName.Email, QueueName.Maintenance]);
      const maintenance = body.queues.find((queue) => queue.name === QueueName.Maintenance);
      expect(maintenance).toMatchObject({ waiting: 2, active: 0, failed: 0 });
      expect(maintenance?.oldestWaitingAgeMs).toBeGreaterThanOrEqual(50);
      expect(body.queues.find((queue) => queue.name === QueueName.Email)).toMatchObject({
        waiting: 0,
        oldestWaitingAgeMs: null,
      });
    });

    it('serves the bull-board dashboard at /admin/queues only to signed-in operators, read-only for them', async () => {
      expect((await fetch(`${api.url}/admin/queues`)).status).toBe(401);
      const operator = await createActiveUser(api.app, { role: 'operator' });
      const login = await fetch(`${api.url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: operator.email, password: operator.password }),
      });
      const { accessToken } = (await login.json()) as { accessToken: string };
      const auth = { authorization: `Bearer ${accessToken}` };

      const page = await fetch(`${api.url}/admin/queues`, { headers: auth });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      const queues = await fetch(`${api.url}/admin/queues/api/queues`, { headers: auth });
      expect(queues.status).toBe(200);
      const body = (await queues.json()) as { queues: { name: string }[] };
      expect(body.queues.map((queue) => queue.name).sort()).toEqual([QueueName.Email, QueueName.Maintenance]);

      const retry = await fetch(`${api.url}/admin/queues/api/queues/${QueueName.Email}/retry/failed`, {
        method: 'PUT',
        headers: auth,
      });
      expect(retry.status).toBe(403);
      expect(retry.headers.get('content-type')).toContain('application/problem+json');
      expect(((await retry.json()) as { code: string }).code).toBe('forbidden');
    });
  });

  describe('with the dashboard disabled (the default)', () => {
    let api: RunningApi;

    beforeAll(async () => {
      api = await startApiInProcess();
    });
    afterAll(() => api.close());

    it('serves no dashboard UI, and the JSON endpoint only to a signed-in caller', async () => {
      expect((await fetch(`${api.url}/admin/queues`)).status).toBe(404);
      const json = await fetch(`${api.url}/v1/admin/queues`);
      expect(json.status).toBe(401);
      expect(json.headers.get('content-type')).toContain('application/problem+json');
    });
  });

  describe('the purge job', () => {
    it('deletes sent mails older than the retention, keeps newer and unsent ones, and reports the count', async () => {
      const env = appEnv({ OUTBOX_RETENTION_DAYS: '30' });
      const client = new pg.Client({ connectionString: runDatabaseUrl() });
      await client.connect();
      const tag = `purge-${Date.now()}`;
      const insert = (status: string, sentDaysAgo: number | null, n: number): Promise<unknown> =>
        client.query(
          `INSERT INTO email_outbox (id, recipient, template, message_id, status, sent_at)
           VALUES (gen_random_uuid(), $1, 'admin-alert', '<' || gen_random_uuid() || '@purge.test>', $2::email_status,
                   CASE WHEN $3::int IS NULL THEN NULL ELSE now() - make_interval(days => $3::int) END)`,
          [`${tag}-${n}@example.test`, status, sentDaysAgo],
        );
      await insert('sent', 45, 1);
      await insert('sent', 31, 2);
      await insert('sent', 5, 3);
      await insert('pending', null, 4);

      const worker = await AppProcess.start('worker', env);
      const api = await startApiInProcess({ REDIS_KEY_PREFIX: env.REDIS_KEY_PREFIX });
      const events = new QueueEvents(QueueName.Maintenance, {
        connection: { url: REDIS_URL },
        prefix: queuePrefix(env.REDIS_KEY_PREFIX ?? ''),
      });
      try {
        await events.waitUntilReady();
        const producer = api.app.get(JobProducer);
        const jobId = await producer.enqueue(JobName.Purge, { target: PurgeTarget.SentEmail });
        const job = await producer.queue(QueueName.Maintenance).getJob(jobId);
        const result = (await job!.waitUntilFinished(events, 15_000)) as { target: string; removed: number };
        expect(result.target).toBe('sent-email');
        // Other suites' mails are all recent, so exactly this suite's two old ones go.
        expect(result.removed).toBe(2);
        const left = await client.query<{ recipient: string }>(
          'SELECT recipient FROM email_outbox WHERE recipient LIKE $1 ORDER BY recipient',
          [`${tag}-%`],
        );
        expect(left.rows.map((row) => row.recipient)).toEqual([
          `${tag}-3@example.test`,
          `${tag}-4@example.test`,
        ]);
      } finally {
        await events.close();
        await api.close();
        await worker.stop();
        await client.end();
      }
    });
  });
});
