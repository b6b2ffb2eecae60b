import { type EnvOverrides, appEnv } from '../../support/app-env';
import { AppProcess } from './app-process';
import { type RunningApi, startApiInProcess } from '../../support/in-process-api';
import { SmtpSink } from '../../support/smtp-sink';

/**
 * The SMTP sink and a worker process delivering to it: what every mail stack starts with. Its `env`
 * is also the one for API processes that should share the worker's queues.
 */
export async function startSinkAndWorker(
  overrides: EnvOverrides,
): Promise<{ sink: SmtpSink; worker: AppProcess; env: Record<string, string> }> {
  const sink = new SmtpSink();
  await sink.start();
  const env = appEnv({
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(sink.port),
    EMAIL_APP_URL: 'https://app.example.test',
    ...overrides,
  });
  return { sink, worker: await AppProcess.start('worker', env), env };
}

export type SinkAndWorker = Awaited<ReturnType<typeof startSinkAndWorker>>;

/** The stack around an API, stopped API first (it enqueues), then the worker, then the sink. */
function withApi<A>(
  base: SinkAndWorker,
  api: A,
  stopApi: () => Promise<void>,
): SinkAndWorker & { api: A; stop(): Promise<void> } {
  return {
    ...base,
    api,
    async stop() {
      await stopApi();
      await base.worker.stop();
      await base.sink.stop();
    },
  };
}

/** The API (in process), a worker process and an SMTP sink, sharing one Redis key prefix. */
export interface MailStack {
  sink: SmtpSink;
  worker: AppProcess;
  api: RunningApi;
  /** The worker's environment (the API's is the same plus its own overrides). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** For suites whose flows send mail: everything a mail needs to travel from the API to a mailbox. */
export async function startMailStack(
  options: { worker?: EnvOverrides; api?: EnvOverrides } = {},
): Promise<MailStack> {
  const base = await startSinkAndWorker(options.worker ?? {});
  const api = await startApiInProcess({ REDIS_KEY_PREFIX: base.env.REDIS_KEY_PREFIX, ...options.api });
  return withApi(base, api, () => api.close());
}

/** The API and the worker as real processes from dist/, an SMTP sink, one Redis key prefix. */
export interface SpawnedMailStack {
  sink: SmtpSink;
  worker: AppProcess;
  api: AppProcess;
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * For suites that judge the API from outside only (timing, attacker scenarios): nothing of the
 * test runner shares the API's event loop, so latencies are the server's own.
 */
export async function startSpawnedMailStack(overrides: EnvOverrides = {}): Promise<SpawnedMailStack> {
  const base = await startSinkAndWorker(overrides);
  const api = await AppProcess.start('api', base.env);
  return withApi(base, api, () => api.stop());
}
