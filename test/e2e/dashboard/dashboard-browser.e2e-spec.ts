import type { Browser, BrowserContext } from 'playwright-core';
import type { TestUser } from '../../factories';
import { launchChromium, recordPage } from '../support/browser';
import { BANNER_TEXT, type DashboardStack, startDashboardStack, untilBreaching } from './dashboard-stack';

/** The stylesheet's colour for a breaching guardrail (--bad): proof that the page's CSS applied. */
const BAD_COLOUR = 'rgb(207, 34, 46)';

/**
 * The Phase-1 dashboard page as a viewer's browser renders it: headless Chromium (Debian's package,
 * driven by playwright-core) against the built API and a worker judging a running rollout. The page
 * must render from its own files under its strict CSP, poll the JSON with the session cookie, and
 * show nothing to a visitor who is not signed in.
 */
describe('Phase-1 dashboard page in a real browser (headless Chromium)', () => {
  let stack: DashboardStack;
  let browser: Browser;
  /** The API's origin as a browser addresses it (http://localhost is a secure context for the cookies). */
  let origin: string;

  beforeAll(async () => {
    stack = await startDashboardStack();
    origin = `http://localhost:${new URL(stack.api.url).port}`;
    await stack.reportBreachingTelemetry();
    // The worker's verdict is in before the page looks, so the page is judged, not the worker's pace.
    await untilBreaching(stack);
    browser = await launchChromium();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  async function signedIn(user: TestUser): Promise<BrowserContext> {
    const context = await browser.newContext();
    const login = await context.request.post(`${origin}/v1/auth/login`, {
      headers: { 'x-auth-mode': 'cookie' },
      data: { email: user.email, password: user.password },
    });
    expect(login.status()).toBe(200);
    return context;
  }

  it("shows a viewer the banner, the rollout with its guardrails' status, and the incident; no errors", async () => {
    const context = await signedIn(stack.accounts.viewer);
    const page = await context.newPage();
    const record = recordPage(page);
    try {
      const response = await page.goto(`${origin}/admin/dashboard`);
      expect(response?.status()).toBe(200);
      const headers = response?.headers() ?? {};
      expect(headers['cache-control']).toBe('no-store');
      expect(headers['content-security-policy']).toContain("script-src 'self';");
      expect(headers['content-security-policy']).toContain("style-src 'self';");
      expect(headers['content-security-policy']).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);

      await page.locator('#banner').getByText(BANNER_TEXT, { exact: true }).waitFor({ timeout: 15_000 });

      const rollout = page.locator(`tr[data-rollout-id="${stack.rolloutId}"]`);
      await rollout.waitFor();
      await rollout.getByText(stack.flagKey, { exact: true }).waitFor();
      const errors = rollout.locator('li[data-guardrail-id="errors"]');
      await errors.locator('[data-status="breaching"]').waitFor();
      expect(await errors.textContent()).toContain('30.00 % / 5.00 %');
      // A string expression: this project's types have no DOM, and the code runs in the page anyway.
      expect(
        await page.evaluate<string>(
          `getComputedStyle(document.querySelector('tr[data-rollout-id="${stack.rolloutId}"] li[data-guardrail-id="errors"] [data-status]')).color`,
        ),
      ).toBe(BAD_COLOUR);
      await rollout.locator('li[data-guardrail-id="crashes"] [data-status="healthy"]').waitFor();
      await rollout.getByText(/guardrails_changed by system:rollouts/).waitFor();

      const incident = page.locator(`tr[data-incident-id="${stack.incidentId}"]`);
      await incident.getByText('Checkout errors at 50 %', { exact: true }).waitFor();
      expect(await page.locator('#state').textContent()).toBe('live');
      expect(await page.locator('#api-p95').textContent()).toMatch(/^\d+ ms$/);

      // Everything came from this origin, nothing failed, and the console stayed clean (a CSP
      // violation would be logged there).
      expect(record.requests.filter((url) => !url.startsWith(`${origin}/`))).toEqual([]);
      expect(record.failures).toEqual([]);
      expect(record.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows an anonymous visitor a 401 problem and none of the data', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      const response = await page.goto(`${origin}/admin/dashboard`);
      expect(response?.status()).toBe(401);
      expect(response?.headers()['content-type']).toContain('application/problem+json');
      expect(((await response?.json()) as { code: string }).code).toBe('unauthenticated');
      expect(await page.locator('#banner').count()).toBe(0);
      expect(await page.content()).not.toContain(stack.flagKey);
      const script = await context.request.get(`${origin}/admin/dashboard/dashboard.js`);
      expect(script.status()).toBe(401);
    } finally {
      await context.close();
    }
  });
});
