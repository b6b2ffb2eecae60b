import { hostname } from 'node:os';
import { QueueEvents } from 'bullmq';
import { JobName, JobProducer, QueueName, queuePrefix } from '@rampart/jobs';
import { appEnv } from '../../support/app-env';
import { AppProcess } from '../support/app-process';
import { type RunningApi, startApiInProcess } from '../../support/in-process-api';
import { REDIS_URL } from '../../support/run-settings';

describe('a job produced by the API is consumed by the worker', () => {
  const env = appEnv({ WORKER_HEARTBEAT_INTERVAL_MS: '600000' });
  let api: RunningApi;
  let worker: AppProcess;
  let events: QueueEvents;

  beforeAll(async () => {
    worker = await AppProcess.start('worker', env);
    api = await startApiInProcess({ REDIS_KEY_PREFIX: env.REDIS_KEY_PREFIX });
    events = new QueueEvents(QueueName.Maintenance, {
      connection: { url: REDIS_URL },
      prefix: queuePrefix(env.REDIS_KEY_PREFIX ?? ''),
    });
    await events.waitUntilReady();
  });

  afterAll(async () => {
    await events?.close();
    await api?.close();
    await worker?.stop();
  });

  it('runs the heartbeat job in the worker process and returns its result', async () => {
    const producer = api.app.get(JobProducer);
    const jobId = await producer.enqueue(JobName.Heartbeat, { requestedBy: 'e2e' });
    const job = await producer.queue(QueueName.Maintenance).getJob(jobId);
    expect(job).toBeDefined();
    const result = (await job!.waitUntilFinished(events, 15_000)) as {
      instanceId: string;
      beatsTotal: number;
    };
    // The worker names itself host:pid, so the result proves which process consumed the job.
    expect(result.instanceId).toBe(`${hostname()}:${worker.pid}`);
    expect(result.beatsTotal).toBeGreaterThanOrEqual(1);
    expect(await job!.getState()).toBe('completed');
  });

  it('keeps the job id a producer chooses, so a repeated enqueue is de-duplicated', async () => {
    const producer = api.app.get(JobProducer);
    const first = await producer.enqueue(
      JobName.Heartbeat,
      { requestedBy: 'e2e-dedupe' },
      { jobId: 'dedupe-1' },
    );
    const second = await producer.enqueue(
      JobName.Heartbeat,
      { requestedBy: 'e2e-dedupe' },
      { jobId: 'dedupe-1' },
    );
    expect(first).toBe('dedupe-1');
    expect(second).toBe('dedupe-1');
    const queue = producer.queue(QueueName.Maintenance);
    await queue.getJob('dedupe-1').then((job) => job?.waitUntilFinished(events, 15_000));
    const jobs = await queue.getJobs(['completed', 'waiting', 'active', 'delayed', 'failed']);
    expect(
      jobs.filter((job) => (job.data as { requestedBy?: string }).requestedBy === 'e2e-dedupe'),
    ).toHaveLength(1);
  });
});
