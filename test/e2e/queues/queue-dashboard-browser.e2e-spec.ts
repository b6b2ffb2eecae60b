import { randomUUID } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import pg from 'pg';
import { JobName, JobProducer, QueueName } from '@rampart/jobs';
import { totpCodeAt } from '../../../apps/api/src/auth/mfa/totp';
import { appEnv } from '../../support/app-env';
import { AppProcess } from '../support/app-process';
import { launchChromium, recordPage } from '../support/browser';
import { eventually } from '../../support/eventually';
import { type TestUser, createActiveUser, seedTotp } from '../../factories';
import { freePort } from '../../support/free-port.mts';
import { type RunningApi, startApiInProcess } from '../../support/in-process-api';
import { runDatabaseUrl } from '../../support/run-settings';
import { signInWithMfa } from '../support/sign-in';

interface Problem {
  code: string;
}

/**
 * The bull-board dashboard as an operator's browser sees it: headless Chromium (Debian's package,
 * driven by playwright-core) against the real API and a worker process. Fetching the HTML passed
 * while the page itself never rendered, so these tests look at the rendered page, click its
 * buttons, and forge requests from another origin.
 */
describe('queue dashboard in a real browser (headless Chromium)', () => {
  let worker: AppProcess;
  let api: RunningApi;
  let browser: Browser;
  let database: pg.Client;
  let crossSite: Server;
  /** The dashboard's origin as a browser addresses it (http://localhost is a secure context). */
  let origin: string;
  /** Another port of the same host: a different origin but the same site, so SameSite=Lax cookies go along. */
  let otherOrigin: string;
  /** The page the other origin serves; each test sets the script it runs. */
  let otherPageScript = '';

  beforeAll(async () => {
    const otherPort = await freePort();
    otherOrigin = `http://localhost:${otherPort}`;
    const env = appEnv({ WORKER_HEARTBEAT_INTERVAL_MS: '600000' });
    worker = await AppProcess.start('worker', env);
    // The other origin is even listed in CORS_ORIGINS, so its credentialed POST passes the
    // preflight: only the dashboard's own check stands between it and the queue.
    api = await startApiInProcess({
      REDIS_KEY_PREFIX: env.REDIS_KEY_PREFIX,
      QUEUE_DASHBOARD_ENABLED: 'true',
      CORS_ORIGINS: otherOrigin,
    });
    origin = `http://localhost:${new URL(api.url).port}`;
    crossSite = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(`<!DOCTYPE html><html><body><script>${otherPageScript}</script></body></html>`);
    });
    await new Promise<void>((resolve) => crossSite.listen(otherPort, '127.0.0.1', resolve));
    database = new pg.Client({ connectionString: runDatabaseUrl() });
    await database.connect();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await database?.end();
    await new Promise((resolve) => crossSite?.close(resolve));
    await api?.close();
    await worker?.stop();
  });

  /** A browser context signed in through the API's browser mode (cookies), with MFA when given a TOTP secret. */
  async function browserSignedInAs(user: TestUser, totpSecret?: string): Promise<BrowserContext> {
    const context = await browser.newContext();
    const headers = { 'x-auth-mode': 'cookie' };
    const login = await context.request.post(`${origin}/v1/auth/login`, {
      headers,
      data: { email: user.email, password: user.password },
    });
    expect(login.status()).toBe(200);
    if (totpSecret) {
      const { mfaToken } = (await login.json()) as { mfaToken: string };
      const verify = await context.request.post(`${origin}/v1/auth/mfa/verify`, {
        headers,
        data: { mfaToken, code: totpCodeAt(totpSecret, Date.now()) },
      });
      expect(verify.status()).toBe(200);
    }
    return context;
  }

  async function signedInAdmin(): Promise<BrowserContext> {
    const admin = await createActiveUser(api.app, { role: 'admin' });
    return browserSignedInAs(admin, (await seedTotp(api.app, admin)).secret);
  }

  /**
   * A mail job that fails for good in the worker (its outbox row does not exist yet), then the
   * row, already sent: a retry now completes with `already-sent`, so success proves a real retry.
   */
  async function failedMailJob(): Promise<string> {
    const producer = api.app.get(JobProducer);
    const outboxId = randomUUID();
    const jobId = await producer.enqueue(JobName.SendEmail, { outboxId });
    const job = await producer.queue(QueueName.Email).getJob(jobId);
    expect(
      await eventually(
        () => job!.getState(),
        (state) => state === 'failed',
      ),
    ).toBe('failed');
    await database.query(
      `INSERT INTO email_outbox (id, recipient, template, message_id, status, sent_at)
       VALUES ($1, 'dashboard@example.test', 'admin-alert', $2, 'sent', now())`,
      [outboxId, `<${outboxId}@dashboard.test>`],
    );
    return jobId;
  }

  async function jobState(jobId: string): Promise<string> {
    const job = await api.app.get(JobProducer).queue(QueueName.Email).getJob(jobId);
    return job ? job.getState() : 'missing';
  }

  /** A job card's icon button, found the way a user does: by the tooltip that hovering shows. */
  async function jobAction(page: Page, title: string): Promise<Locator> {
    for (const button of await page.locator('li > [data-base-ui-tooltip-trigger] > button').all()) {
      await button.hover();
      const tooltip = page.locator('[data-base-ui-portal]').getByText(title, { exact: true });
      const shown = await tooltip.waitFor({ state: 'visible', timeout: 2_000 }).then(
        () => true,
        () => false,
      );
      if (shown) return button;
    }
    throw new Error(`no job action titled "${title}" on the page`);
  }

  it('renders for a signed-in operator: the queue names, from its own files only, without console errors', async () => {
    const operator = await createActiveUser(api.app, { role: 'operator' });
    const context = await browserSignedInAs(operator);
    const page = await context.newPage();
    const record = recordPage(page);
    try {
      const response = await page.goto(`${origin}/admin/queues`);
      expect(response?.status()).toBe(200);
      const csp = response?.headers()['content-security-policy'] ?? '';
      expect(csp).toContain("base-uri 'self'");
      expect(csp).toContain("script-src 'self';");
      expect(csp).not.toMatch(/https?:|\*/);

      const sidebar = page.locator('#bull-board-sidebar');
      await sidebar.getByText(QueueName.Email, { exact: true }).waitFor({ timeout: 15_000 });
      await sidebar.getByText(QueueName.Maintenance, { exact: true }).waitFor();
      expect(await page.getByText('Loading', { exact: true }).count()).toBe(0);
      // The page's stylesheet applied (bull-board's header is a flex row only through it).
      expect(await page.evaluate<string>("getComputedStyle(document.querySelector('header')).display")).toBe(
        'flex',
      );

      // Every request stayed on this origin: no Google Fonts, nothing resolved against /admin/static.
      expect(record.requests.filter((url) => !url.startsWith(`${origin}/admin/queues`))).toEqual([]);
      expect(record.failures).toEqual([]);
      expect(record.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('lets an admin with an MFA session retry a failed job from its card, and the worker runs it again', async () => {
    const jobId = await failedMailJob();
    const context = await signedInAdmin();
    const page = await context.newPage();
    const record = recordPage(page);
    try {
      await page.goto(`${origin}/admin/queues/queue/${QueueName.Email}?status=failed`);
      await page.getByText(/outbox mail .* does not exist/).waitFor({ timeout: 15_000 });

      await (await jobAction(page, 'Retry')).click();
      const dialog = page.getByRole('alertdialog');
      await dialog.getByText('Are you sure that you want to retry this job?').waitFor();
      const [retry] = await Promise.all([
        page.waitForResponse(
          (response) =>
            response.request().method() === 'PUT' &&
            response.url() === `${origin}/admin/queues/api/queues/${QueueName.Email}/${jobId}/retry`,
        ),
        dialog.getByRole('button', { name: 'Confirm' }).click(),
      ]);
      expect(retry.status()).toBeLessThan(300);

      expect(
        await eventually(
          () => jobState(jobId),
          (state) => state === 'completed',
        ),
      ).toBe('completed');
      const job = await api.app.get(JobProducer).queue(QueueName.Email).getJob(jobId);
      expect(job?.returnvalue).toMatchObject({ outcome: 'already-sent' });
      expect(record.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('refuses a viewer and an anonymous visitor', async () => {
    const anonymous = await browser.newContext();
    const viewer = await browserSignedInAs(await createActiveUser(api.app, { role: 'viewer' }));
    try {
      for (const [context, status, code] of [
        [anonymous, 401, 'unauthenticated'],
        [viewer, 403, 'forbidden'],
      ] as const) {
        const page = await context.newPage();
        const response = await page.goto(`${origin}/admin/queues`);
        expect(response?.status()).toBe(status);
        expect(response?.headers()['content-type']).toContain('application/problem+json');
        expect(((await response?.json()) as Problem).code).toBe(code);
        expect(await page.locator('#bull-board-sidebar').count()).toBe(0);
      }
    } finally {
      await anonymous.close();
      await viewer.close();
    }
  });

  it("refuses changes a page of another origin sends with the admin's cookie", async () => {
    const jobId = await failedMailJob();
    const context = await signedInAdmin();
    const page = await context.newPage();
    const retryUrl = `${origin}/admin/queues/api/queues/${QueueName.Email}/${jobId}/retry`;
    const addUrl = `${origin}/admin/queues/api/queues/${QueueName.Email}/add`;
    const answers: string[] = [];
    page.on('response', (response) => {
      if (
        response.url().startsWith(`${origin}/admin/queues/api/`) &&
        response.request().method() !== 'OPTIONS'
      ) {
        answers.push(`${response.request().method()} ${response.status()}`);
      }
    });
    // Three ways a page can try, all carrying the cookie (another port is the same site): a PUT,
    // which the CORS preflight stops in the browser (PUT is not an allowed method); a credentialed
    // POST, which the preflight lets through for a listed origin; and a no-cors POST, which a
    // browser sends from any page without asking.
    const forgedJob = JSON.stringify({ name: 'forged', data: {} });
    otherPageScript = `
      const outcome = (promise, read) => promise.then(read, (error) => ({ error: String(error) }));
      window.results = Promise.all([
        outcome(fetch(${JSON.stringify(retryUrl)}, { method: 'PUT', credentials: 'include' }),
          (r) => ({ status: r.status })),
        outcome(fetch(${JSON.stringify(addUrl)}, { method: 'POST', credentials: 'include',
          headers: { 'content-type': 'application/json' }, body: ${JSON.stringify(forgedJob)} }),
          async (r) => ({ status: r.status, body: await r.json() })),
        outcome(fetch(${JSON.stringify(addUrl)}, { method: 'POST', mode: 'no-cors', credentials: 'include',
          headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(forgedJob)} }),
          (r) => ({ type: r.type })),
      ]);`;
    try {
      await page.goto(`${otherOrigin}/`);
      const [put, corsPost, noCorsPost] = await page.evaluate<[unknown, unknown, unknown]>('window.results');
      expect(put).toEqual({ error: 'TypeError: Failed to fetch' });
      expect(corsPost).toEqual({
        status: 403,
        body: expect.objectContaining({ code: 'csrf_invalid' }) as unknown,
      });
      expect(noCorsPost).toEqual({ type: 'opaque' });
      // The opaque answer, seen from the browser's network log: 403, not 401, so the cookie went
      // along and the origin check refused it.
      expect(
        await eventually(
          () => Promise.resolve(answers.length),
          (count) => count >= 2,
        ),
      ).toBe(2);
      expect(answers).toEqual(['POST 403', 'POST 403']);

      expect(await jobState(jobId)).toBe('failed');
      const jobs = await api.app
        .get(JobProducer)
        .queue(QueueName.Email)
        .getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']);
      expect(jobs.filter((job) => job.name === 'forged')).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('judges cookie changes by Origin and Sec-Fetch-Site, and leaves bearer requests alone', async () => {
    const context = await signedInAdmin();
    try {
      const cookie = (await context.cookies(origin)).map(({ name, value }) => `${name}=${value}`).join('; ');
      const resume = (headers: Record<string, string>): Promise<Response> =>
        fetch(`${origin}/admin/queues/api/queues/${QueueName.Email}/resume`, { method: 'PUT', headers });
      const refused: Record<string, string>[] = [
        { cookie },
        { cookie, origin: 'null' },
        { cookie, origin: 'https://evil.example' },
        { cookie, origin: otherOrigin },
        { cookie, origin: origin.replace('http:', 'https:') },
        { cookie, origin, 'sec-fetch-site': 'cross-site' },
        { cookie, origin, 'sec-fetch-site': 'same-site' },
        { cookie, origin, 'sec-fetch-site': 'none' },
      ];
      for (const headers of refused) {
        const response = await resume(headers);
        expect({ headers: { ...headers, cookie: '<admin>' }, status: response.status }).toEqual({
          headers: { ...headers, cookie: '<admin>' },
          status: 403,
        });
        expect(((await response.json()) as Problem).code).toBe('csrf_invalid');
      }
      expect((await resume({ cookie, origin })).status).toBe(200);
      expect((await resume({ cookie, origin, 'sec-fetch-site': 'same-origin' })).status).toBe(200);

      // A bearer token is never sent by a browser on its own, so no origin check applies.
      const { accessToken } = await signInWithMfa(
        api.url,
        await createActiveUser(api.app, { role: 'admin' }),
      );
      const bearer = await resume({ authorization: `Bearer ${accessToken}`, origin: 'https://evil.example' });
      expect(bearer.status).toBe(200);
    } finally {
      await context.close();
    }
  });
});
