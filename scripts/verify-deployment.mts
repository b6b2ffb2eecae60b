// `npm run verify:deployment -- --url <base>`: the post-deployment checks against a running Rampart, one
// PASS / FAIL / SKIP row each, exit 1 on any FAIL and 2 on bad usage (docs/deployment-verification.md).
// Only Node's own http/https: it runs from a checkout on any machine with Node 24, no install needed.
//
//   release          GET /__version answers the release, and every answer's X-Commit-SHA, X-Build-ID,
//                    X-Ruleset-Version and X-Env agree with it (and with --expect-commit/-build/-env)
//   security headers helmet's set: nosniff, X-Frame-Options, Referrer-Policy, a CSP, CORP
//   hsts             over https: Strict-Transport-Security with max-age >= one year
//   https redirect   GET <http base>/__healthz answers 301 (or 308) to the same path over https
//   readiness        GET /health/ready answers 200
//   account          a disposable account: register, read the verification mail from --mailbox-url,
//                    verify; or the operator's test account (--account/--password[-file], --totp-secret)
//   sign-in flow     login, GET /v1/auth/me, logout, and the same access token refused (401)
//   cookie flags     a browser-mode login (X-Auth-Mode: cookie): HttpOnly (but the CSRF cookie),
//                    Secure, SameSite, Path=/, and a __Host- cookie without Domain
//   csrf refusal     POST /v1/auth/logout with the session cookie and no X-CSRF-Token: 403
//                    csrf_invalid; with the token: 204
//   flag rollback    with an admin token: a disposable flag and SDK key, switch on, roll back, and the
//                    time until OFREP answers the old value again (TTR, <= --ttr-max-ms); then the flag
//                    is archived and the key revoked
//   clean-up         with the admin token: the disposable account disabled
//   rate limit       --burst <n> anonymous GET /v1/auth/session: a 429 problem+json rate_limited with
//                    Retry-After. Last, because it spends this address's anonymous budget for a window.
//
// Secrets (passwords, tokens, cookies, the SDK key) are never printed: a detail names statuses and
// problem codes only.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createHmac, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

// ---------------------------------------------------------------------------------------------------------
// Options

const USAGE = `usage: npm run verify:deployment -- --url <base URL> [options]
  --url <url>                  the API's public base URL (https in staging and production)
  --http-url <url>             its plain-http base for the redirect check (default: --url with http:, when https)
  --insecure                   accept a self-signed or unknown TLS certificate (staging)
  --expect-commit <sha>        the release that must be running (also --expect-build <id>, --expect-env <env>)
  --account <email>            an existing test account instead of a disposable one, with
  --password <pw> | --password-file <file>   its password, and
  --totp-secret <base32>       its TOTP secret, when it has two-factor authentication on
  --mailbox-url <url>          a mailbox (GET answers {"mails":[{to,subject,text,receivedAt}]}) where the
                               verification mail of a disposable account arrives, e.g. the dev mail sink's
  --mail-domain <domain>       the disposable account's address domain (default example.test)
  --operator-token <token> | --operator-token-file <file>
                               an admin access token with an MFA session: the flag rollback round trip
  --ttr-max-ms <ms>            the longest acceptable time to rollback (default 2000)
  --burst <n>                  send n anonymous requests at once and expect a 429 among them
  --timeout-ms <ms>            per request (default 10000)
  --json                       print one JSON document instead of the table`;

class UsageError extends Error {}

interface Options {
  url: URL;
  httpUrl: URL | null;
  insecure: boolean;
  expect: { commit?: string; build?: string; env?: string };
  account: { email: string; password: string; totpSecret?: string } | null;
  mailboxUrl: URL | null;
  mailDomain: string;
  operatorToken: string | null;
  ttrMaxMs: number;
  burst: number | null;
  timeoutMs: number;
  json: boolean;
}

function baseUrl(value: string, option: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${option} is not a URL: ${value}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`${option} must be http(s)`);
  // A base URL may carry a path (a prefix behind a proxy); requests append to it.
  url.pathname = url.pathname.replace(/\/+$/, '');
  url.search = '';
  url.hash = '';
  return url;
}

function positive(value: string | undefined, option: string, fallback: number | null): number | null {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new UsageError(`${option} must be a positive integer`);
  return parsed;
}

function secretFrom(value: string | undefined, file: string | undefined, option: string): string | null {
  if (value !== undefined && file !== undefined) throw new UsageError(`give --${option} or --${option}-file`);
  if (file !== undefined) {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch {
      throw new UsageError(`cannot read --${option}-file ${file}`);
    }
  }
  return value ?? null;
}

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      url: { type: 'string' },
      'http-url': { type: 'string' },
      insecure: { type: 'boolean', default: false },
      'expect-commit': { type: 'string' },
      'expect-build': { type: 'string' },
      'expect-env': { type: 'string' },
      account: { type: 'string' },
      password: { type: 'string' },
      'password-file': { type: 'string' },
      'totp-secret': { type: 'string' },
      'mailbox-url': { type: 'string' },
      'mail-domain': { type: 'string', default: 'example.test' },
      'operator-token': { type: 'string' },
      'operator-token-file': { type: 'string' },
      'ttr-max-ms': { type: 'string' },
      burst: { type: 'string' },
      'timeout-ms': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) throw new UsageError('');
  if (!values.url) throw new UsageError('--url is required');
  const url = baseUrl(values.url, '--url');
  let httpUrl: URL | null = values['http-url'] ? baseUrl(values['http-url'], '--http-url') : null;
  if (!httpUrl && url.protocol === 'https:') {
    httpUrl = new URL(url);
    httpUrl.protocol = 'http:';
    // A non-default https port says nothing about where plain http listens: the default one.
    httpUrl.port = '';
  }
  const password = secretFrom(values.password, values['password-file'], 'password');
  if ((values.account === undefined) !== (password === null)) {
    throw new UsageError('--account and --password (or --password-file) go together');
  }
  if (values['totp-secret'] !== undefined && values.account === undefined) {
    throw new UsageError('--totp-secret needs --account');
  }
  return {
    url,
    httpUrl,
    insecure: values.insecure,
    expect: {
      ...(values['expect-commit'] ? { commit: values['expect-commit'] } : {}),
      ...(values['expect-build'] ? { build: values['expect-build'] } : {}),
      ...(values['expect-env'] ? { env: values['expect-env'] } : {}),
    },
    account:
      values.account !== undefined && password !== null
        ? {
            email: values.account,
            password,
            ...(values['totp-secret'] ? { totpSecret: values['totp-secret'] } : {}),
          }
        : null,
    mailboxUrl: values['mailbox-url'] ? new URL(values['mailbox-url']) : null,
    mailDomain: values['mail-domain'],
    operatorToken: secretFrom(values['operator-token'], values['operator-token-file'], 'operator-token'),
    ttrMaxMs: positive(values['ttr-max-ms'], '--ttr-max-ms', 2_000) as number,
    burst: positive(values.burst, '--burst', null),
    timeoutMs: positive(values['timeout-ms'], '--timeout-ms', 10_000) as number,
    json: values.json,
  };
}

// ---------------------------------------------------------------------------------------------------------
// HTTP, without following redirects (the redirect is what one check looks at)

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body as JSON when it is an object, else {}. */
  body: Record<string, unknown>;
}

interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  token?: string;
  /** Hand a 429 back instead of waiting it out: the burst of the rate-limit check wants to see it. */
  acceptRateLimited?: boolean;
}

/** How often, and how long at most, a 429's Retry-After is waited out before the 429 is the answer. */
const RATE_LIMIT_RETRIES = 3;
const RATE_LIMIT_WAIT_MAX_S = 10;

class Client {
  private readonly agents: { http: http.Agent; https: https.Agent };
  private readonly options: Options;
  /** 429s waited out so far: the TTR of a run that had to wait says so. */
  rateLimitedWaits = 0;

  constructor(options: Options) {
    this.options = options;
    this.agents = {
      http: new http.Agent({ keepAlive: true }),
      https: new https.Agent({ keepAlive: true, rejectUnauthorized: !options.insecure }),
    };
  }

  /** `path` is appended to the base URL's path, so a base behind a path prefix works too. */
  at(path: string, base: URL = this.options.url): URL {
    const url = new URL(base);
    const [pathname = '', search] = path.split('?');
    url.pathname = `${base.pathname.replace(/\/+$/, '')}${pathname}`;
    if (search !== undefined) url.search = search;
    return url;
  }

  /**
   * Behind nginx the script shares its address's allowance (10 r/s, burst 20) with nobody but itself,
   * and its polls spend it fast: a 429 that says when to retry is waited out, as any good client does,
   * so a check (and above all the clean-up) never fails on the edge's limit instead of on what it checks.
   */
  async request(method: string, url: URL, options: RequestOptions = {}): Promise<Answer> {
    for (let attempt = 0; ; attempt += 1) {
      const answer = await this.send(method, url, options);
      const wait = Number(header(answer, 'retry-after'));
      if (
        answer.status !== 429 ||
        options.acceptRateLimited === true ||
        attempt >= RATE_LIMIT_RETRIES ||
        !(wait >= 0 && wait <= RATE_LIMIT_WAIT_MAX_S)
      ) {
        return answer;
      }
      this.rateLimitedWaits += 1;
      await sleep(wait * 1_000 + 50);
    }
  }

  private send(method: string, url: URL, options: RequestOptions): Promise<Answer> {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = {
      accept: 'application/json, application/problem+json',
      ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    };
    const secure = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const request = (secure ? https : http).request(
        url,
        {
          method,
          headers,
          agent: secure ? this.agents.https : this.agents.http,
          timeout: this.options.timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: Record<string, unknown> = {};
            try {
              const parsed: unknown = JSON.parse(text);
              if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
                body = parsed as Record<string, unknown>;
              }
            } catch {
              // Not JSON: `body` stays empty and the checks look at `status` and `text`.
            }
            resolve({ status: response.statusCode ?? 0, headers: response.headers, text, body });
          });
        },
      );
      request.on('timeout', () =>
        request.destroy(new Error(`no answer within ${this.options.timeoutMs} ms`)),
      );
      request.on('error', reject);
      request.end(payload);
    });
  }

  api(method: string, path: string, options: RequestOptions = {}): Promise<Answer> {
    return this.request(method, this.at(path), options);
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

/** An answer in a few words that never carry a secret: the status and the problem code. */
function summary(answer: Answer): string {
  const code = typeof answer.body.code === 'string' ? ` ${answer.body.code}` : '';
  return `${answer.status}${code}`;
}

/** A step that must answer `status`, or the check fails naming the request and the answer. */
function expectStatus(what: string, answer: Answer, status: number): void {
  if (answer.status !== status)
    throw new CheckFailure(`${what} answered ${summary(answer)}, expected ${status}`);
}

function isProblem(answer: Answer): boolean {
  return String(answer.headers['content-type'] ?? '').startsWith('application/problem+json');
}

function header(answer: Answer, name: string): string | undefined {
  const value = answer.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

// ---------------------------------------------------------------------------------------------------------
// Checks

type Status = 'PASS' | 'FAIL' | 'SKIP';

export interface CheckResult {
  name: string;
  status: Status;
  detail: string;
  ms: number;
}

/** A failed expectation: its message is the row's detail. */
class CheckFailure extends Error {}

/** A check whose prerequisites are missing: its message names the option that enables it. */
class Skipped extends Error {}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** RFC 6238 (SHA-1, 30 s, 6 digits) from a base32 secret, for a test account with TOTP on. */
export function totpCode(secret: string, at = Date.now()): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of secret.replace(/[\s=-]/g, '').toUpperCase()) {
    const index = alphabet.indexOf(char);
    if (index < 0) throw new CheckFailure('--totp-secret is not base32');
    bits += index.toString(2).padStart(5, '0');
  }
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30_000)));
  const digest = createHmac('sha1', key).update(counter).digest();
  const offset = (digest[digest.length - 1] as number) & 0x0f;
  return String((digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

interface Account {
  email: string;
  password: string;
  totpSecret?: string;
  /** Made by this run: disabled at the end when an operator token allows it. */
  disposable: boolean;
  userId?: string;
}

/** What the checks hand each other. */
interface RunState {
  account?: Account;
}

interface MailboxMail {
  to: string;
  subject: string;
  text: string;
}

export interface Verification {
  results: CheckResult[];
  ok: boolean;
}

class Verifier {
  private readonly client: Client;
  private readonly state: RunState = {};
  /** The TOTP time step of the last code sent, so no code is sent twice. */
  private lastTotpStep: number | null = null;
  readonly results: CheckResult[] = [];

  private readonly options: Options;
  private readonly onResult: (result: CheckResult) => void;

  constructor(options: Options, onResult: (result: CheckResult) => void) {
    this.options = options;
    this.onResult = onResult;
    this.client = new Client(options);
  }

  private async check(name: string, run: () => Promise<string> | string): Promise<void> {
    const started = performance.now();
    let result: CheckResult;
    try {
      const detail = await run();
      result = { name, status: 'PASS', detail, ms: Math.round(performance.now() - started) };
    } catch (error) {
      const status: Status = error instanceof Skipped ? 'SKIP' : 'FAIL';
      const detail =
        error instanceof CheckFailure || error instanceof Skipped
          ? error.message
          : `request failed: ${requestFailure(error)}`;
      result = { name, status, detail, ms: Math.round(performance.now() - started) };
    }
    this.results.push(result);
    this.onResult(result);
  }

  async run(): Promise<Verification> {
    try {
      await this.check('release', () => this.release());
      await this.check('security headers', () => this.securityHeaders());
      await this.check('hsts', () => this.hsts());
      await this.check('https redirect', () => this.httpsRedirect());
      await this.check('readiness', () => this.readiness());
      await this.check('account', () => this.prepareAccount());
      await this.check('sign-in flow', () => this.signInFlow());
      let cookies: CookieSession | Error | null = null;
      await this.check('cookie flags', async () => {
        cookies = await this.cookieLogin();
        return this.cookieFlags(cookies);
      });
      await this.check('csrf refusal', () => this.csrfRefusal(cookies));
      await this.check('flag rollback', () => this.flagRollback());
      await this.check('clean-up', () => this.cleanUp());
      await this.check('rate limit', () => this.rateLimit());
    } finally {
      this.client.close();
    }
    return { results: this.results, ok: this.results.every((result) => result.status !== 'FAIL') };
  }

  // --- release and headers ---------------------------------------------------------------------------

  private async release(): Promise<string> {
    const answer = await this.client.api('GET', '/__version');
    expectStatus('GET /__version', answer, 200);
    const { commit, build_id: build, ruleset_version: ruleset } = answer.body;
    if (typeof commit !== 'string' || typeof build !== 'string' || typeof ruleset !== 'string') {
      throw new CheckFailure('GET /__version did not answer {commit, build_id, ruleset_version}');
    }
    const mismatches: string[] = [];
    const pairs: [string, string | undefined, string][] = [
      ['x-commit-sha', header(answer, 'x-commit-sha'), commit],
      ['x-build-id', header(answer, 'x-build-id'), build],
      ['x-ruleset-version', header(answer, 'x-ruleset-version'), ruleset],
    ];
    for (const [name, value, expected] of pairs) {
      if (value !== expected) mismatches.push(`${name} ${value ?? 'missing'} (body: ${expected})`);
    }
    const env = header(answer, 'x-env');
    if (!env) mismatches.push('x-env missing');
    // An error answer carries the release headers too: the 404 of a path that cannot exist.
    const notFound = await this.client.api('GET', `/__verify-deployment-${randomBytes(4).toString('hex')}`);
    if (header(notFound, 'x-commit-sha') !== commit)
      mismatches.push(`a ${notFound.status} answer has no x-commit-sha`);
    const { expect } = this.options;
    if (expect.commit && !commit.startsWith(expect.commit) && !expect.commit.startsWith(commit)) {
      mismatches.push(`commit ${commit}, expected ${expect.commit}`);
    }
    if (expect.build && build !== expect.build) mismatches.push(`build ${build}, expected ${expect.build}`);
    if (expect.env && env !== expect.env) mismatches.push(`env ${env ?? 'missing'}, expected ${expect.env}`);
    if (mismatches.length > 0) throw new CheckFailure(mismatches.join('; '));
    return `commit ${commit}, build ${build}, ruleset ${ruleset}, env ${env}`;
  }

  private async securityHeaders(): Promise<string> {
    const answer = await this.client.api('GET', '/__healthz');
    expectStatus('GET /__healthz', answer, 200);
    const missing: string[] = [];
    const expectHeader = (name: string, accept: (value: string) => boolean, wanted: string): void => {
      const value = header(answer, name);
      if (value === undefined || !accept(value.toLowerCase()))
        missing.push(`${name} ${value ?? 'missing'} (want ${wanted})`);
    };
    expectHeader('x-content-type-options', (value) => value === 'nosniff', 'nosniff');
    expectHeader('x-frame-options', (value) => value === 'deny' || value === 'sameorigin', 'DENY');
    expectHeader(
      'referrer-policy',
      (value) => value.length > 0 && !value.includes('unsafe-url'),
      'no-referrer',
    );
    expectHeader('content-security-policy', (value) => /default-src|frame-ancestors/.test(value), 'a policy');
    expectHeader('cross-origin-resource-policy', (value) => value.length > 0, 'same-site');
    if (header(answer, 'x-powered-by')) missing.push('x-powered-by present (names the server)');
    if (missing.length > 0) throw new CheckFailure(missing.join('; '));
    return 'nosniff, X-Frame-Options, Referrer-Policy, CSP, CORP';
  }

  private async hsts(): Promise<string> {
    if (this.options.url.protocol !== 'https:') {
      throw new Skipped('--url is http: browsers ignore HSTS there (give the https URL)');
    }
    const answer = await this.client.api('GET', '/__healthz');
    const value = header(answer, 'strict-transport-security');
    if (!value) throw new CheckFailure('no Strict-Transport-Security header');
    const maxAge = Number(/max-age=(\d+)/i.exec(value)?.[1] ?? NaN);
    if (!(maxAge >= 31_536_000)) throw new CheckFailure(`${value}: max-age under one year`);
    return value;
  }

  private async httpsRedirect(): Promise<string> {
    const { httpUrl } = this.options;
    if (!httpUrl) throw new Skipped('--url is http: give the https URL (and --http-url if not on port 80)');
    const target = this.client.at('/__healthz', httpUrl);
    const answer = await this.client.request('GET', target);
    const location = header(answer, 'location');
    if (answer.status !== 301 && answer.status !== 308) {
      throw new CheckFailure(`GET ${target.href} answered ${answer.status}, expected 301 to https`);
    }
    let redirected: URL;
    try {
      redirected = new URL(location ?? '', target);
    } catch {
      throw new CheckFailure(`${answer.status} with Location ${location ?? 'missing'}`);
    }
    if (redirected.protocol !== 'https:' || redirected.pathname !== target.pathname) {
      throw new CheckFailure(`${answer.status} to ${redirected.href}, expected https://…${target.pathname}`);
    }
    return `${target.href} ${answer.status} -> ${redirected.href}`;
  }

  private async readiness(): Promise<string> {
    const answer = await this.client.api('GET', '/health/ready');
    if (answer.status !== 200) {
      const failing = Array.isArray(answer.body.failing) ? ` failing: ${answer.body.failing.join(', ')}` : '';
      throw new CheckFailure(`GET /health/ready answered ${summary(answer)}${failing}`);
    }
    return 'GET /health/ready 200';
  }

  // --- the account and its sessions --------------------------------------------------------------------

  private async prepareAccount(): Promise<string> {
    const given = this.options.account;
    if (given) {
      this.state.account = { ...given, disposable: false };
      return `operator's test account ${maskEmail(given.email)}`;
    }
    if (!this.options.mailboxUrl) {
      throw new Skipped('give --mailbox-url (disposable account) or --account/--password (test account)');
    }
    const email = `verify-deploy-${Date.now()}-${randomBytes(3).toString('hex')}@${this.options.mailDomain}`;
    const password = `vd-${randomBytes(18).toString('base64url')}`;
    const registered = await this.client.api('POST', '/v1/auth/register', { body: { email, password } });
    expectStatus('POST /v1/auth/register', registered, 202);
    const token = await this.verificationToken(email);
    const verified = await this.client.api('POST', '/v1/auth/verify-email', { body: { token, password } });
    expectStatus('POST /v1/auth/verify-email', verified, 200);
    this.state.account = { email, password, disposable: true };
    return `registered and verified ${maskEmail(email)}`;
  }

  /** Polls the mailbox for the verification mail to `email` and returns its link's token. */
  private async verificationToken(email: string): Promise<string> {
    const mailbox = new URL(this.options.mailboxUrl as URL);
    mailbox.searchParams.set('to', email);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const answer = await this.client.request('GET', mailbox);
      expectStatus('GET --mailbox-url', answer, 200);
      const mails = Array.isArray(answer.body.mails) ? (answer.body.mails as MailboxMail[]) : [];
      for (const mail of mails) {
        if (!String(mail.to).toLowerCase().includes(email.toLowerCase())) continue;
        const token = /verify-email\?token=([A-Za-z0-9%_.~-]+)/.exec(String(mail.text))?.[1];
        if (token) return decodeURIComponent(token);
      }
      await sleep(250);
    }
    throw new CheckFailure('no verification mail reached --mailbox-url within 30 s');
  }

  /** A sign-in of the account, with the second factor when it has one; `headers` select browser mode. */
  private async logIn(account: Account, headers: Record<string, string> = {}): Promise<Answer> {
    const credentials = { email: account.email, password: account.password };
    const answer = await this.client.api('POST', '/v1/auth/login', { body: credentials, headers });
    expectStatus('POST /v1/auth/login', answer, 200);
    if (answer.body.mfaRequired !== true) return answer;
    if (!account.totpSecret)
      throw new CheckFailure('the account has two-factor authentication on: give --totp-secret');
    // A code is accepted once per time step: a second sign-in waits for the next step.
    const step = Math.floor(Date.now() / 30_000);
    if (this.lastTotpStep !== null && step <= this.lastTotpStep) {
      await sleep((this.lastTotpStep + 1) * 30_000 - Date.now() + 50);
    }
    this.lastTotpStep = Math.floor(Date.now() / 30_000);
    const verified = await this.client.api('POST', '/v1/auth/mfa/verify', {
      body: { mfaToken: answer.body.mfaToken, code: totpCode(account.totpSecret) },
      headers,
    });
    expectStatus('POST /v1/auth/mfa/verify', verified, 200);
    return verified;
  }

  private requireAccount(): Account {
    if (this.state.account) return this.state.account;
    throw noAccount(this.results);
  }

  private async signInFlow(): Promise<string> {
    const account = this.requireAccount();
    const signedIn = await this.logIn(account);
    const token = signedIn.body.accessToken;
    if (typeof token !== 'string') throw new CheckFailure('POST /v1/auth/login answered no accessToken');
    const me = await this.client.api('GET', '/v1/auth/me', { token });
    expectStatus('GET /v1/auth/me', me, 200);
    if (typeof me.body.id === 'string') account.userId = me.body.id;
    expectStatus('POST /v1/auth/logout', await this.client.api('POST', '/v1/auth/logout', { token }), 204);
    const after = await this.client.api('GET', '/v1/auth/me', { token });
    if (after.status !== 401 || !isProblem(after)) {
      throw new CheckFailure(
        `the signed-out token got ${summary(after)} from GET /v1/auth/me, expected 401 problem+json`,
      );
    }
    return `login 200, /me 200, logout 204, token refused ${summary(after)}`;
  }

  /** The browser-mode sign-in both cookie checks look at; null when there is no account. */
  private async cookieLogin(): Promise<CookieSession | Error> {
    if (!this.state.account) return noAccount(this.results);
    try {
      const answer = await this.logIn(this.state.account, { 'x-auth-mode': 'cookie' });
      const csrfToken = answer.body.csrfToken;
      if (answer.body.tokenType !== 'Cookie' || typeof csrfToken !== 'string') {
        throw new CheckFailure('a login with X-Auth-Mode: cookie answered no cookie session');
      }
      return { cookies: parseSetCookies(answer.headers['set-cookie'] ?? []), csrfToken };
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  private cookieFlags(session: CookieSession | Error | null): string {
    const cookies = sessionOrThrow(session).cookies;
    const csrfToken = sessionOrThrow(session).csrfToken;
    if (cookies.length === 0) throw new CheckFailure('a cookie-mode login set no cookies');
    const problems: string[] = [];
    for (const cookie of cookies) {
      const readable = cookie.value === csrfToken;
      if (!readable && !cookie.httpOnly) problems.push(`${cookie.name} without HttpOnly`);
      if (!cookie.secure) problems.push(`${cookie.name} without Secure`);
      if (!['lax', 'strict'].includes(cookie.sameSite ?? ''))
        problems.push(`${cookie.name} SameSite=${cookie.sameSite ?? 'missing'}`);
      if (cookie.path !== '/') problems.push(`${cookie.name} Path=${cookie.path ?? 'missing'}`);
      if (cookie.name.startsWith('__Host-') && cookie.domain) problems.push(`${cookie.name} with Domain`);
    }
    if (problems.length > 0) throw new CheckFailure(problems.join('; '));
    return cookies
      .map(
        (cookie) =>
          `${cookie.name}${cookie.httpOnly ? ' HttpOnly' : ''} Secure SameSite=${cookie.sameSite} Path=/`,
      )
      .join(', ');
  }

  private async csrfRefusal(session: CookieSession | Error | null): Promise<string> {
    const { cookies, csrfToken } = sessionOrThrow(session);
    const cookie = cookies.map((each) => `${each.name}=${each.value}`).join('; ');
    const refused = await this.client.api('POST', '/v1/auth/logout', { headers: { cookie } });
    if (refused.status !== 403 || !isProblem(refused) || refused.body.code !== 'csrf_invalid') {
      throw new CheckFailure(
        `POST /v1/auth/logout without X-CSRF-Token answered ${summary(refused)}, expected 403 csrf_invalid`,
      );
    }
    const accepted = await this.client.api('POST', '/v1/auth/logout', {
      headers: { cookie, 'x-csrf-token': csrfToken },
    });
    expectStatus('POST /v1/auth/logout with X-CSRF-Token', accepted, 204);
    return 'without X-CSRF-Token 403 csrf_invalid, with it 204';
  }

  // --- flags ---------------------------------------------------------------------------------------------

  private async flagRollback(): Promise<string> {
    const token = this.options.operatorToken;
    if (!token)
      throw new Skipped('give --operator-token or --operator-token-file (an admin with an MFA session)');
    const round = new FlagRoundTrip(this.client, token);
    let detail = '';
    let failure: Error | null = null;
    try {
      detail = await round.run(this.options.ttrMaxMs);
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
    }
    // Whatever happened, nothing of the run stays usable: the flag archived, the SDK key revoked.
    const left = await round.cleanUp();
    const leftNote = left.length > 0 ? `; left behind: ${left.join('; ')}` : '';
    if (failure && leftNote) throw new CheckFailure(`${failure.message}${leftNote}`);
    if (failure) throw failure;
    if (leftNote) throw new CheckFailure(`${detail}${leftNote}`);
    return `${detail}; flag archived, SDK key revoked`;
  }

  /** The disposable account has served its purpose: disabled, so nobody can use it. */
  private async cleanUp(): Promise<string> {
    const account = this.state.account;
    if (!account?.disposable) throw new Skipped('no disposable account was made');
    const token = this.options.operatorToken;
    if (!token) throw new Skipped('the disposable account stays active: give --operator-token to disable it');
    if (!account.userId) throw new CheckFailure('the disposable account never signed in: disable it by hand');
    const answer = await this.client.api('POST', `/v1/admin/users/${account.userId}/disable`, { token });
    expectStatus('POST /v1/admin/users/:id/disable', answer, 200);
    return `disposable account ${maskEmail(account.email)} disabled`;
  }

  // --- rate limit ----------------------------------------------------------------------------------------

  private async rateLimit(): Promise<string> {
    const burst = this.options.burst;
    if (burst === null) throw new Skipped('give --burst <n>, more than the api tier allows per window');
    const answers = await Promise.all(
      Array.from({ length: burst }, () =>
        this.client.api('GET', '/v1/auth/session', { acceptRateLimited: true }),
      ),
    );
    const limited = answers.filter((answer) => answer.status === 429);
    const first = limited[0];
    if (!first) {
      throw new CheckFailure(
        `no 429 among ${burst} requests (${countStatuses(answers)}): is the limit higher, or off?`,
      );
    }
    const retryAfter = header(first, 'retry-after');
    if (!isProblem(first) || first.body.code !== 'rate_limited') {
      throw new CheckFailure(
        `429 answered as ${String(first.headers['content-type'])} ${summary(first)}, expected problem+json rate_limited`,
      );
    }
    if (!retryAfter || !/^\d+$/.test(retryAfter))
      throw new CheckFailure(`429 without a Retry-After in seconds (${retryAfter ?? 'missing'})`);
    const other = answers.filter((answer) => answer.status !== 429 && answer.status !== 200);
    if (other.length > 0) throw new CheckFailure(`unexpected answers in the burst: ${countStatuses(other)}`);
    return `${burst - limited.length} of ${burst} answered, then 429 rate_limited, Retry-After ${retryAfter} s`;
  }
}

/** Node's TLS verification codes: a certificate the client does not trust. */
const UNTRUSTED_CERTIFICATE = /CERT|SELF_SIGNED|UNABLE_TO_(VERIFY|GET)_ISSUER|LEAF_SIGNATURE/;

function requestFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return UNTRUSTED_CERTIFICATE.test(code)
    ? `${code}: the certificate is not trusted (--insecure accepts it, for staging only)`
    : error.message;
}

function countStatuses(answers: Answer[]): string {
  const counts = new Map<number, number>();
  for (const answer of answers) counts.set(answer.status, (counts.get(answer.status) ?? 0) + 1);
  return [...counts].map(([status, count]) => `${count}x ${status}`).join(', ');
}

function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}***@${domain}`;
}

export interface SetCookie {
  name: string;
  value: string;
  httpOnly: boolean;
  secure: boolean;
  sameSite?: string;
  path?: string;
  domain?: string;
}

interface CookieSession {
  cookies: SetCookie[];
  csrfToken: string;
}

/** Why a check that needs the account cannot run: the account check failed, or was not asked for. */
function noAccount(results: CheckResult[]): Error {
  return results.find((result) => result.name === 'account')?.status === 'FAIL'
    ? new CheckFailure('no account: the account check failed')
    : new Skipped('needs an account: --mailbox-url or --account/--password');
}

function sessionOrThrow(session: CookieSession | Error | null): CookieSession {
  if (session === null) throw new Skipped('needs an account: --mailbox-url or --account/--password');
  if (session instanceof CheckFailure || session instanceof Skipped) throw session;
  if (session instanceof Error) throw new CheckFailure(session.message);
  return session;
}

export function parseSetCookies(lines: string[]): SetCookie[] {
  return lines.map((line) => {
    const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
    const at = pair.indexOf('=');
    const cookie: SetCookie = {
      name: pair.slice(0, at),
      value: pair.slice(at + 1),
      httpOnly: false,
      secure: false,
    };
    for (const attribute of attributes) {
      const [key = '', value = ''] = attribute.split('=');
      switch (key.toLowerCase()) {
        case 'httponly':
          cookie.httpOnly = true;
          break;
        case 'secure':
          cookie.secure = true;
          break;
        case 'samesite':
          cookie.sameSite = value.toLowerCase();
          break;
        case 'path':
          cookie.path = value;
          break;
        case 'domain':
          cookie.domain = value;
          break;
      }
    }
    return cookie;
  });
}

/**
 * The flag rollback round trip: a disposable flag (off) and a server SDK key, the flag switched on,
 * then the flag set rolled back to the version before, timed from the rollback request until OFREP
 * answers the old value (and keeps answering it). The rollback targets the previous version with
 * the version it is based on, so it can only undo this run's own switch: a concurrent change makes
 * it fail with 409 instead of undoing someone else's.
 */
class FlagRoundTrip {
  private readonly key = `verify-deploy-${Date.now()}-${randomBytes(3).toString('hex')}`;
  private version = 0;
  private created = false;
  private sdkKey: { id: string; key: string } | null = null;

  private readonly client: Client;
  private readonly token: string;

  constructor(client: Client, token: string) {
    this.client = client;
    this.token = token;
  }

  private async write(
    method: string,
    path: string,
    body: Record<string, unknown>,
    status: number,
  ): Promise<Answer> {
    const answer = await this.client.api(method, path, {
      token: this.token,
      body: { reason: 'verify:deployment flag rollback round trip', expectedVersion: this.version, ...body },
    });
    if (answer.status === 403 || answer.status === 401) {
      throw new CheckFailure(
        `${method} ${path} answered ${summary(answer)}: the token must be an admin's with an MFA session`,
      );
    }
    expectStatus(`${method} ${path}`, answer, status);
    if (typeof answer.body.version === 'number') this.version = answer.body.version;
    return answer;
  }

  private async evaluate(): Promise<unknown> {
    const answer = await this.client.api('POST', `/ofrep/v1/evaluate/flags/${this.key}`, {
      body: { context: { targetingKey: 'verify-deployment' } },
      token: this.sdkKey?.key as string,
    });
    if (answer.status !== 200) return { status: answer.status };
    return answer.body.value;
  }

  /**
   * Polls OFREP until it answers `value`; the time it took. The pause doubles from 5 ms to 100 ms:
   * fine-grained for a fast rollback, then no faster than an edge's per-address rate (nginx: 10 r/s).
   */
  private async until(value: unknown, since: number, timeoutMs = 10_000): Promise<number> {
    for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
      if ((await this.evaluate()) === value) return performance.now() - since;
      if (performance.now() - since > timeoutMs) {
        throw new CheckFailure(`OFREP did not answer ${String(value)} within ${timeoutMs} ms`);
      }
      await sleep(pause);
    }
  }

  async run(ttrMaxMs: number): Promise<string> {
    const read = await this.client.api('GET', '/v1/admin/flags', { token: this.token });
    if (read.status === 401 || read.status === 403) {
      throw new CheckFailure(
        `GET /v1/admin/flags answered ${summary(read)}: the token must be an admin's with an MFA session`,
      );
    }
    expectStatus('GET /v1/admin/flags', read, 200);
    this.version = Number(read.body.version);
    const issued = await this.client.api('POST', '/v1/admin/sdk-keys', {
      token: this.token,
      body: { name: `verify:deployment ${this.key}`, kind: 'server' },
    });
    expectStatus('POST /v1/admin/sdk-keys', issued, 201);
    this.sdkKey = { id: String(issued.body.id), key: String(issued.body.key) };
    const flag = {
      key: this.key,
      name: 'verify:deployment round trip',
      description: 'Made and archived by npm run verify:deployment',
      owner: 'operations',
      kind: 'operational',
      type: 'boolean',
      variants: { on: true, off: false },
      enabled: false,
      offVariant: 'off',
      defaultVariant: 'on',
    };
    await this.write('POST', '/v1/admin/flags', { flag }, 201);
    this.created = true;
    await this.until(false, performance.now());
    const switched = performance.now();
    await this.write('PUT', `/v1/admin/flags/${this.key}/enabled`, { enabled: true }, 200);
    const toggleMs = await this.until(true, switched);
    const waitsBefore = this.client.rateLimitedWaits;
    const rolledBack = performance.now();
    await this.write('POST', '/v1/admin/flags/rollback', {}, 200);
    const ttr = await this.until(false, rolledBack);
    // A TTR that includes a wait for the rate limit is the script's, not the deployment's: say so.
    const waited = this.client.rateLimitedWaits > waitsBefore ? ' (includes a wait for a 429)' : '';
    // Behind a load balancer one process serving the old value is not all of them: it must stay.
    for (let i = 0; i < 10; i += 1) {
      const value = await this.evaluate();
      if (value !== false)
        throw new CheckFailure(`after the rollback OFREP answered ${JSON.stringify(value)} again`);
    }
    const detail = `TTR ${Math.round(ttr)} ms${waited} (switch served in ${Math.round(toggleMs)} ms), flag ${this.key}`;
    if (ttr > ttrMaxMs) throw new CheckFailure(`${detail}: over --ttr-max-ms ${ttrMaxMs}`);
    return detail;
  }

  /** Archives the flag and revokes the key; what could not be cleaned up, for the report. */
  async cleanUp(): Promise<string[]> {
    const left: string[] = [];
    if (this.created) {
      try {
        const current = await this.client.api('GET', '/v1/admin/flags', { token: this.token });
        this.version = Number(current.body.version);
        await this.write('POST', `/v1/admin/flags/${this.key}/archive`, {}, 200);
      } catch (error) {
        left.push(
          `flag ${this.key} not archived (${error instanceof Error ? error.message : String(error)})`,
        );
      }
    }
    if (this.sdkKey) {
      const revoked = await this.client
        .api('DELETE', `/v1/admin/sdk-keys/${this.sdkKey.id}`, { token: this.token })
        .catch(() => null);
      if (!revoked || revoked.status >= 300) {
        left.push(`SDK key ${this.sdkKey.id} not revoked (${revoked ? summary(revoked) : 'no answer'})`);
      }
    }
    return left;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Output

export function formatRow(result: CheckResult, nameWidth = 16): string {
  return `${result.status.padEnd(4)}  ${result.name.padEnd(nameWidth)}  ${result.detail} (${result.ms} ms)`;
}

export async function verifyDeployment(
  options: Options,
  onResult: (result: CheckResult) => void = () => undefined,
): Promise<Verification> {
  return new Verifier(options, onResult).run();
}

async function main(argv: string[]): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(argv);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(message ? `verify-deployment: ${message}\n\n${USAGE}` : USAGE);
    return 2;
  }
  if (!options.json) console.log(`verify-deployment: ${options.url.href}`);
  const verification = await verifyDeployment(options, (result) => {
    if (!options.json) console.log(formatRow(result));
  });
  const counts = { PASS: 0, FAIL: 0, SKIP: 0 };
  for (const result of verification.results) counts[result.status] += 1;
  if (options.json) {
    console.log(
      JSON.stringify({ url: options.url.href, ok: verification.ok, checks: verification.results }, null, 2),
    );
  } else {
    console.log(
      `${verification.ok ? 'PASS' : 'FAIL'}: ${counts.PASS} passed, ${counts.FAIL} failed, ${counts.SKIP} skipped`,
    );
  }
  return verification.ok ? 0 : 1;
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`verify-deployment: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
