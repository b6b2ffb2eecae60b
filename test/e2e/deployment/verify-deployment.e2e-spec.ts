import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTransport } from 'nodemailer';
import { type Mailbox, type MailboxMail, startMailSink } from '../../../scripts/mail-sink.mts';
import { type TestUser, createActiveUser } from '../../factories';
import { startApiInProcess } from '../../support/in-process-api';
import { randomSuffix } from '../../support/run-settings';
import { type SpawnedMailStack, startSpawnedMailStack } from '../support/mail-stack';
import { enrolTotp, signIn, signInWithMfa } from '../support/sign-in';
import {
  CHECKS,
  HTTPS_ONLY_CHECKS,
  row,
  runVerifyDeployment as verifyDeployment,
  show,
  startSinkMailbox,
} from '../support/verify-deployment-run';

const COMMIT = `e2e-verify-${randomSuffix()}`;
const BUILD = 'e2e-verify-build';
/** Anonymous requests per window on the api tier: the burst must go past it. */
const API_LIMIT = 20;

describe('npm run verify:deployment', () => {
  let stack: SpawnedMailStack;
  let mailbox: Mailbox;
  let scratch: string;
  let tokenFile: string;
  let adminToken: string;
  /** An operator's test account with TOTP on. */
  let tester: TestUser;
  let totpSecret: string;

  beforeAll(async () => {
    stack = await startSpawnedMailStack({
      COMMIT_SHA: COMMIT,
      BUILD_ID: BUILD,
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_API: `${API_LIMIT}/60`,
      // The test's and the script's sign-ins all come from 127.0.0.1.
      RATE_LIMIT_LOGIN: '50/60',
    });
    mailbox = await startSinkMailbox(stack.sink);
    const factory = await startApiInProcess(stack.env);
    let admin: TestUser;
    try {
      admin = await createActiveUser(factory.app, { role: 'admin' });
      tester = await createActiveUser(factory.app);
    } finally {
      await factory.close();
    }
    adminToken = (await signInWithMfa(stack.api.url, admin)).accessToken;
    // Enrolled with a code of the previous step: the current step's code is still unused.
    const { accessToken } = await signIn(stack.api.url, tester);
    totpSecret = (await enrolTotp(stack.api.url, tester, accessToken)).secret;
    scratch = await mkdtemp(path.join(tmpdir(), 'rampart-verify-'));
    tokenFile = path.join(scratch, 'operator-token');
    await writeFile(tokenFile, `${adminToken}\n`, { mode: 0o600 });
  });

  afterAll(async () => {
    await mailbox?.close();
    await stack?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('passes every check against a healthy deployment, and prints no secret', async () => {
    const startedAt = Date.now();
    const run = await verifyDeployment([
      '--url',
      stack.api.url,
      '--mailbox-url',
      mailbox.url,
      '--operator-token-file',
      tokenFile,
      '--burst',
      String(API_LIMIT + 10),
      '--expect-commit',
      COMMIT,
      '--expect-build',
      BUILD,
    ]);
    show('verify:deployment against the test stack', run);
    expect(run.code).toBe(0);
    for (const name of CHECKS.filter((check) => !HTTPS_ONLY_CHECKS.includes(check)))
      expect(row(run, name)).toMatch(/^PASS {2}/);
    // Plain http: HSTS and the redirect have nothing to look at, and say what would enable them.
    expect(row(run, 'hsts')).toMatch(/^SKIP .*give the https URL/);
    expect(row(run, 'https redirect')).toMatch(/^SKIP .*give the https URL/);
    expect(row(run, 'release')).toContain(`commit ${COMMIT}, build ${BUILD}`);
    expect(row(run, 'cookie flags')).toContain('__Host-rampart_access HttpOnly Secure SameSite=lax Path=/');
    expect(row(run, 'csrf refusal')).toContain('403 csrf_invalid');
    expect(row(run, 'flag rollback')).toMatch(/TTR \d+ ms .*flag archived, SDK key revoked/);
    expect(row(run, 'rate limit')).toMatch(/429 rate_limited, Retry-After \d+ s/);
    expect(run.stdout).toContain('PASS: 10 passed, 0 failed, 2 skipped');
    expect(run.stdout + run.stderr).not.toContain(adminToken);

    // Nothing left behind: the round trip's flag archived and SDK key revoked, the account disabled.
    // Other suites of the e2e run (the one through nginx) share the database and make their own
    // `verify-deploy-<ms>-…` flags; suites run one at a time, so this run's are those from its start on.
    const ofThisRun = (name: string): boolean =>
      Number(/verify-deploy-(\d+)-/.exec(name)?.[1] ?? 0) >= startedAt;
    const admin = { authorization: `Bearer ${adminToken}` };
    const flags = (await (await fetch(`${stack.api.url}/v1/admin/flags`, { headers: admin })).json()) as {
      flags: { key: string; archived?: boolean }[];
    };
    const made = flags.flags.filter((flag) => ofThisRun(flag.key));
    expect(made).toHaveLength(1);
    expect(made.every((flag) => flag.archived === true)).toBe(true);
    const keys = (await (await fetch(`${stack.api.url}/v1/admin/sdk-keys`, { headers: admin })).json()) as {
      name: string;
      revokedAt: string | null;
    }[];
    const issued = keys.filter((key) => key.name.startsWith('verify:deployment') && ofThisRun(key.name));
    expect(issued.map((key) => key.revokedAt !== null)).toEqual([true]);
    const verified = stack.sink.mails.filter((mail) => mail.to.startsWith('verify-deploy-'));
    expect(verified).toHaveLength(1);
    const disabled = (await (
      await fetch(`${stack.api.url}/v1/admin/users?q=${encodeURIComponent(verified[0]?.to ?? '')}`, {
        headers: admin,
      })
    ).json()) as { items: { status: string }[] };
    expect(disabled.items.map((user) => user.status)).toEqual(['disabled']);
  });

  it("runs the account checks with the operator's test account and its TOTP secret", async () => {
    const passwordFile = path.join(scratch, 'password');
    await writeFile(passwordFile, tester.password, { mode: 0o600 });
    const run = await verifyDeployment([
      ...['--url', stack.api.url, '--account', tester.email, '--password-file', passwordFile],
      ...['--totp-secret', totpSecret],
    ]);
    show('verify:deployment with a test account (TOTP on)', run);
    expect(run.code).toBe(0);
    expect(row(run, 'account')).toMatch(/^PASS .*operator's test account/);
    for (const name of ['sign-in flow', 'cookie flags', 'csrf refusal'])
      expect(row(run, name)).toMatch(/^PASS/);
    expect(row(run, 'clean-up')).toMatch(/^SKIP .*no disposable account/);
    expect(run.stdout + run.stderr).not.toContain(tester.password);
    expect(run.stdout + run.stderr).not.toContain(totpSecret);
  }, 120_000);

  it('fails, exit 1, when the running release is not the expected one', async () => {
    const run = await verifyDeployment(['--url', stack.api.url, '--expect-commit', 'not-this-release']);
    show('verify:deployment expecting another release', run);
    expect(run.code).toBe(1);
    expect(row(run, 'release')).toMatch(/^FAIL {2}release .*commit .*, expected not-this-release/);
    expect(row(run, 'readiness')).toMatch(/^PASS/);
    expect(row(run, 'account')).toMatch(/^SKIP .*--mailbox-url/);
  });

  it('fails a server without release and security headers that is not ready', async () => {
    // What a misrouted proxy could be talking to: answers, but not as Rampart does.
    const impostor = http.createServer((request, response) => {
      const ready = request.url !== '/health/ready';
      response
        .writeHead(ready ? 200 : 503, { 'content-type': 'application/json', 'x-powered-by': 'Express' })
        .end(JSON.stringify({ commit: COMMIT, build_id: BUILD, ruleset_version: 'v1', status: 'ok' }));
    });
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', () => resolve()));
    try {
      const { port } = impostor.address() as AddressInfo;
      const run = await verifyDeployment(['--url', `http://127.0.0.1:${port}`, '--json']);
      show('verify:deployment --json against a server that is not Rampart', run);
      expect(run.code).toBe(1);
      const report = JSON.parse(run.stdout) as {
        ok: boolean;
        checks: { name: string; status: string; detail: string }[];
      };
      expect(report.ok).toBe(false);
      const status = Object.fromEntries(report.checks.map((check) => [check.name, check.status]));
      expect(status).toMatchObject({ release: 'FAIL', 'security headers': 'FAIL', readiness: 'FAIL' });
      const detail = Object.fromEntries(report.checks.map((check) => [check.name, check.detail]));
      expect(detail.release).toContain('x-commit-sha missing');
      expect(detail['security headers']).toContain('x-content-type-options missing');
      expect(detail.readiness).toContain('503');
    } finally {
      await new Promise<void>((resolve) => impostor.close(() => resolve()));
    }
  });

  it('refuses bad usage with exit 2 and the usage text', async () => {
    const run = await verifyDeployment(['--url', 'ftp://example.test', '--burst', 'many']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('usage: npm run verify:deployment');
  });

  it('the dev mail sink serves the mailbox contract the script reads', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'rampart-sink-'));
    const sink = await startMailSink(0, directory, { mailboxPort: 0 });
    try {
      const transport = createTransport({
        host: '127.0.0.1',
        port: sink.port,
        secure: false,
        ignoreTLS: true,
      });
      const link = 'https://app.example.test/verify-email?token=' + 'a'.repeat(90);
      for (const to of ['someone-else@example.test', 'reader@example.test']) {
        await transport.sendMail({
          from: 'rampart@example.test',
          to,
          subject: 'Rampart: verify your e-mail',
          text: `Open ${link} within 24 hours.`,
          html: `<a href="${link}">verify</a>`,
        });
      }
      transport.close();
      const answer = await fetch(`${sink.mailboxUrl}?to=reader@example.test`);
      expect(answer.status).toBe(200);
      const { mails } = (await answer.json()) as { mails: MailboxMail[] };
      expect(mails).toEqual([
        {
          to: 'reader@example.test',
          subject: 'Rampart: verify your e-mail',
          text: expect.stringContaining(link) as string,
          receivedAt: expect.any(String) as string,
        },
      ]);
      const all = (await (await fetch(sink.mailboxUrl ?? '')).json()) as { mails: MailboxMail[] };
      expect(all.mails.map((mail) => mail.to)).toEqual(['reader@example.test', 'someone-else@example.test']);
    } finally {
      await sink.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
