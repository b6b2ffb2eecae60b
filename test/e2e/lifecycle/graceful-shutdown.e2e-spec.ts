import net from 'node:net';
import { Queue, QueueEvents } from 'bullmq';
import { JOBS, JobName, QueueName, queuePrefix } from '@rampart/jobs';
import { appEnv } from '../../support/app-env';
import { AppProcess } from '../support/app-process';
import { REDIS_URL, runDatabaseUrl } from '../../support/run-settings';
import { TcpProxy } from '../support/tcp-proxy';

const DB_LATENCY_MS = 1_500;

function connectRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('SIGTERM', () => {
  const databaseProxy = TcpProxy.forUrl(runDatabaseUrl());

  beforeAll(() => databaseProxy.start());
  afterAll(() => databaseProxy.stop());
  afterEach(() => {
    databaseProxy.latencyMs = 0;
  });

  it('lets the API finish a request in flight, refuses new connections, and exits 0 within 10 s', async () => {
    const api = await AppProcess.start(
      'api',
      appEnv({ DATABASE_URL: databaseProxy.rewrite(runDatabaseUrl()), HEALTH_CHECK_TIMEOUT_MS: '5000' }),
    );
    try {
      databaseProxy.latencyMs = DB_LATENCY_MS;
      const inFlight = fetch(`${api.url}/health/ready`).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as {
          details?: Record<string, { status: string }>;
          checks?: Record<string, { status: string }>;
        },
      }));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const signalledAt = Date.now();
      api.signal('SIGTERM');

      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await connectRefused(api.port)).toBe(true);

      // The slow PostgreSQL check that was running when the signal came still completes and answers.
      const response = await inFlight;
      const checks = response.body.details ?? response.body.checks;
      expect(checks?.postgresql?.status).toBe('up');
      expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(DB_LATENCY_MS - 400);

      const exit = await api.waitForExit();
      expect(exit).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalledAt).toBeLessThan(10_000);
    } finally {
      await api.stop();
    }
  });

  it('lets the worker finish the job it is running, then exits 0 within 10 s', async () => {
    const env = appEnv({
      DATABASE_URL: databaseProxy.rewrite(runDatabaseUrl()),
      WORKER_HEARTBEAT_INTERVAL_MS: '600000',
      // The start-up sweep must find nothing to re-enqueue in the run's shared database (other
      // suites' pending rows), and no scheduled maintenance job (the rollout evaluation every 5 s,
      // the outbox sweep every 15 s) may take the queue's turn while every query is slowed, so the
      // slow job below is the only one running.
      OUTBOX_SWEEP_AFTER_MS: '86400000',
      OUTBOX_SWEEP_INTERVAL_MS: '86400000',
      ROLLOUT_EVALUATION_INTERVAL_MS: '86400000',
    });
    const prefix = queuePrefix(env.REDIS_KEY_PREFIX ?? '');
    const queue = new Queue(QueueName.Maintenance, { connection: { url: REDIS_URL }, prefix });
    const events = new QueueEvents(QueueName.Maintenance, { connection: { url: REDIS_URL }, prefix });
    const worker = await AppProcess.start('worker', env);
    try {
      await events.waitUntilReady();
      // Let the jobs every schedule adds at start-up (heartbeat, outbox sweep, rollout evaluation)
      // finish first, so the slow job below is the only one running: waiting for the first of
      // them alone left the others queued ahead of it once every query was slowed.
      const drained = async (): Promise<boolean> => {
        const {
          active = 0,
          waiting = 0,
          prioritized = 0,
          completed = 0,
        } = await queue.getJobCounts('active', 'waiting', 'prioritized', 'completed');
        return completed > 0 && active + waiting + prioritized === 0;
      };
      while (!(await drained())) await new Promise((resolve) => setTimeout(resolve, 50));
      databaseProxy.latencyMs = DB_LATENCY_MS;
      const job = await queue.add(
        JobName.Heartbeat,
        { requestedBy: 'shutdown-test' },
        JOBS[JobName.Heartbeat].options,
      );
      const deadline = Date.now() + 10_000;
      while ((await job.getState()) !== 'active' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await job.getState()).toBe('active');

      const signalledAt = Date.now();
      worker.signal('SIGTERM');
      const exit = await worker.waitForExit();
      expect(exit).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalledAt).toBeLessThan(10_000);

      // The job was not cut off: it completed once, on its first attempt, with its result stored.
      const finished = await queue.getJob(job.id ?? '');
      expect(await finished?.getState()).toBe('completed');
      expect(finished?.attemptsMade).toBe(1);
      expect(finished?.returnvalue).toMatchObject({
        instanceId: expect.stringContaining(`:${worker.pid}`) as string,
      });
    } finally {
      await worker.stop();
      await events.close();
      await queue.close();
    }
  });
});
