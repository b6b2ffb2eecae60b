import type { Browser } from 'playwright-core';
import { launchChromium, recordPage } from '../support/browser';
import { type RunningApi, startApiInProcess } from '../../support/in-process-api';

/**
 * The OpenAPI page as a reader's browser sees it: headless Chromium renders Swagger UI from the
 * API's own files under its CSP, lists the operations and opens one. The queue dashboard has its own
 * browser suite; together they cover every page the API serves to people.
 */
describe('OpenAPI docs in a real browser (headless Chromium)', () => {
  let api: RunningApi;
  let browser: Browser;

  beforeAll(async () => {
    api = await startApiInProcess({ DOCS_ENABLED: 'true' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('renders every operation from its own files, without errors or CSP violations', async () => {
    const page = await browser.newPage();
    const record = recordPage(page);
    const origin = `http://localhost:${new URL(api.url).port}`;
    const response = await page.goto(`${origin}/docs`);
    expect(response?.status()).toBe(200);

    const document = (await (await fetch(`${api.url}/docs/json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.values(document.paths).reduce(
      (count, methods) => count + Object.keys(methods).length,
      0,
    );
    await page.locator('.opblock').first().waitFor({ timeout: 15_000 });
    expect(await page.locator('.opblock').count()).toBe(operations);

    // Opening an operation shows its details (the UI's scripts run, not just its markup).
    const login = page.locator('.opblock', { hasText: '/v1/auth/login' }).first();
    await login.locator('.opblock-summary').click();
    await login.locator('.opblock-body').waitFor();

    expect(record.errors).toEqual([]);
    expect(record.failures).toEqual([]);
    expect(record.requests.filter((url) => !url.startsWith(origin))).toEqual([]);
    await page.close();
  });
});
