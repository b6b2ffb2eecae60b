import { readdirSync } from 'node:fs';
import path from 'node:path';
import { createActiveUser, uniqueEmail } from '../../factories';
import { startApiInProcess } from '../../support/in-process-api';
import { eventually } from '../../support/eventually';
import { type SpawnedMailStack, startSpawnedMailStack } from '../support/mail-stack';
import { PrometheusServer } from '../../support/prometheus-server';

const ROOT = path.resolve(__dirname, '../../..');

function post(baseUrl: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/**
 * A real Prometheus (Debian's binary) scrapes a real API and worker process while a user signs in,
 * someone fails to, and a sign-up's verification mail travels to an SMTP server; then its HTTP API
 * is asked what arrived. The processes are fresh, so the counters' values are known exactly.
 */
describe('a real Prometheus scraping both apps', () => {
  let stack: SpawnedMailStack;
  let prometheus: PrometheusServer;

  beforeAll(async () => {
    // The worker's start-up sweep must leave other suites' pending mails in the run's shared
    // database alone: one staged a minute earlier and delivered here would land in this worker's
    // delivery histogram.
    stack = await startSpawnedMailStack({ OUTBOX_SWEEP_AFTER_MS: '86400000' });
    // With the production stack's recording and alert rules, evaluated every second on real series.
    const rules = path.join(ROOT, 'docker/prometheus/rules');
    prometheus = await PrometheusServer.start(
      [
        { job: 'api', url: stack.api.url },
        { job: 'worker', url: stack.worker.url },
      ],
      readdirSync(rules)
        .filter((file) => file.endsWith('.yml'))
        .map((file) => path.join(rules, file)),
    );
  });

  afterAll(async () => {
    await prometheus?.stop();
    await stack?.stop();
  });

  /** Waits until Prometheus holds `expected` for `expression`, and returns what it holds last. */
  const settled = (expression: string, expected: number): Promise<number> =>
    eventually(
      () => prometheus.value(expression),
      (value) => value === expected,
      20_000,
      250,
    );

  it('scrapes both apps as up, with their build', async () => {
    expect(await settled('up{job="api"}', 1)).toBe(1);
    expect(await settled('up{job="worker"}', 1)).toBe(1);
    expect(await settled('rampart_build_info{job="api",service="api"}', 1)).toBe(1);
    expect(await settled('rampart_build_info{job="worker",service="worker"}', 1)).toBe(1);
  });

  it('sees the sign-ins, the failure, the mail and the requests the traffic caused', async () => {
    const factory = await startApiInProcess({ REDIS_KEY_PREFIX: stack.env.REDIS_KEY_PREFIX });
    const user = await createActiveUser(factory.app).finally(() => factory.close());
    const newcomer = uniqueEmail('scraped');

    expect(
      (await post(stack.api.url, '/v1/auth/login', { email: user.email, password: user.password })).status,
    ).toBe(200);
    expect(
      (await post(stack.api.url, '/v1/auth/login', { email: user.email, password: 'not-the-password-1' }))
        .status,
    ).toBe(401);
    expect(
      (
        await post(stack.api.url, '/v1/auth/register', {
          email: newcomer,
          password: 'quiet-meadow-harbour-77',
        })
      ).status,
    ).toBe(202);
    await stack.sink.waitFor(() => stack.sink.mails.some((mail) => mail.to === newcomer));

    expect(await settled('login_success_total{job="api",method="password"}', 1)).toBe(1);
    expect(await settled('login_failure_total{job="api",reason="invalid_credentials"}', 1)).toBe(1);
    expect(
      await settled('http_requests_total{job="api",method="POST",route="/v1/auth/login",status="200"}', 1),
    ).toBe(1);
    expect(
      await settled('http_requests_total{job="api",method="POST",route="/v1/auth/login",status="401"}', 1),
    ).toBe(1);
    expect(await settled('sum(email_enqueued_total{template="verification"})', 1)).toBe(1);
    expect(await settled('email_sent_total{job="worker",template="verification"}', 1)).toBe(1);
    expect(await settled('email_delivery_seconds_count{job="worker",template="verification"}', 1)).toBe(1);
    // Delivery start well inside the 30 s objective, as Prometheus computes it, for the mail this
    // test caused.
    const [p95] = await prometheus.query(
      'histogram_quantile(0.95, sum by (le) (email_delivery_seconds_bucket{job="worker",template="verification"}))',
    );
    expect(p95?.value).toBeLessThan(30);
    // The job's name is `job_name`: `job` is Prometheus's own target label.
    expect(
      await settled(
        'job_duration_seconds_count{job="worker",queue="email",job_name="email.send",outcome="completed"}',
        1,
      ),
    ).toBe(1);
    expect(await settled('count(queue_jobs{job="worker",queue="email"})', 4)).toBe(4);
    await fetch(`${stack.api.url}/health/ready`);
    expect(await settled('count(readiness_check_up{job="api"})', 4)).toBe(4);
    expect(await settled('db_connections_active{job="api"} >= bool 0', 1)).toBe(1);
  });

  it('evaluates every production rule on the real series without an error', async () => {
    // Requests spread over several scrapes, so a series grows between samples and has a rate.
    for (let request = 0; request < 8; request += 1) {
      await fetch(`${stack.api.url}/v1/auth/me`);
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    const rate = await eventually(
      () => prometheus.value('job:http_requests:rate5m{job="api"}'),
      (value) => value > 0,
      20_000,
      250,
    );
    expect(rate).toBeGreaterThan(0);
    const groups = await prometheus.rules();
    expect(groups.length).toBeGreaterThan(0);
    const failing = groups.flatMap((group) =>
      group.rules
        .filter((rule) => rule.health !== 'ok')
        .map((rule) => `${rule.name}: ${rule.health} ${rule.lastError ?? ''}`),
    );
    expect(failing).toEqual([]);
  });
});
