import { existsSync } from 'node:fs';
import { type Browser, type Page, chromium } from 'playwright-core';

/**
 * The system's Chromium (Debian's `chromium` package; `.ci/run` installs it). playwright-core ships
 * no browser, and this machine cannot download one, so a missing binary fails the suite loudly
 * instead of skipping the only test that proves the pages work in a browser.
 */
export const CHROMIUM_PATH = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} is missing: install Debian's chromium package (apt-get install chromium); .ci/run does it`,
    );
  }
  // A fresh temporary profile per launch; nothing may reach for the internet (there is none here).
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** What a page did that a user never sees: console errors, uncaught errors, requests and failures. */
export interface PageRecord {
  /** Console messages of type error (CSP violations included) and uncaught exceptions. */
  errors: string[];
  /** Every URL the page requested. */
  requests: string[];
  /** Requests that failed or were answered with 4xx/5xx, as "STATUS URL" or "failed URL: reason". */
  failures: string[];
}

export function recordPage(page: Page): PageRecord {
  const record: PageRecord = { errors: [], requests: [], failures: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') record.errors.push(message.text());
  });
  page.on('pageerror', (error) => record.errors.push(`uncaught: ${error.message}`));
  page.on('request', (request) => record.requests.push(request.url()));
  page.on('requestfailed', (request) =>
    record.failures.push(`failed ${request.url()}: ${request.failure()?.errorText ?? 'unknown'}`),
  );
  page.on('response', (response) => {
    if (response.status() >= 400) record.failures.push(`${response.status()} ${response.url()}`);
  });
  return record;
}
