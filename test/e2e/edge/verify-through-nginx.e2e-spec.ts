// `npm run verify:deployment` as an operator runs it after a production deployment: over https through
// nginx (docker/nginx/nginx.conf, as nginx-edge.e2e-spec.ts runs it) in front of two API processes,
// with a worker delivering the disposable account's mail to an SMTP sink. Unlike the plain-http run
// (test/e2e/deployment/), HSTS and the HTTP->HTTPS redirect are checked, the certificate is verified
// against the test CA (NODE_EXTRA_CA_CERTS, no --insecure), and the burst meets nginx's own 429.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Mailbox } from '../../../scripts/mail-sink.mts';
import { createActiveUser } from '../../factories';
import { startApiInProcess } from '../../support/in-process-api';
import { randomSuffix } from '../../support/run-settings';
import { startApiReplica } from '../support/api-replica';
import type { AppProcess } from '../support/app-process';
import { type SinkAndWorker, startSinkAndWorker } from '../support/mail-stack';
import { NginxServer } from '../support/nginx-server';
import { signInWithMfa } from '../support/sign-in';
import { generateTestCertificates } from '../support/tls-certs';
import { CHECKS, row, runVerifyDeployment, show, startSinkMailbox } from '../support/verify-deployment-run';

const COMMIT = `e2e-verify-nginx-${randomSuffix()}`;
const BUILD = 'e2e-verify-nginx-build';
/** Past nginx's per-address allowance (1 + burst 20 at once): some of the burst must get its 429. */
const BURST = 40;

describe('npm run verify:deployment through nginx', () => {
  let stack: SinkAndWorker;
  let replicas: AppProcess[] = [];
  let nginx: NginxServer;
  let mailbox: Mailbox;
  let scratch: string;
  let caFile: string;
  let tokenFile: string;
  let adminToken: string;

  /** The script trusting the test CA the way an operator's machine trusts a real one. */
  const verify = (args: string[]): ReturnType<typeof runVerifyDeployment> =>
    runVerifyDeployment(
      ['--url', nginx.httpsUrl, '--http-url', nginx.httpUrl, '--expect-build', BUILD, ...args],
      { NODE_EXTRA_CA_CERTS: caFile },
    );

  beforeAll(async () => {
    const certificates = await generateTestCertificates();
    scratch = await mkdtemp(path.join(tmpdir(), 'rampart-verify-nginx-'));
    caFile = path.join(scratch, 'ca.pem');
    await writeFile(caFile, certificates.ca);
    stack = await startSinkAndWorker({
      JWT_SECRET: 'e2e-verify-nginx-jwt-secret-that-is-long-enough-01',
      COMMIT_SHA: COMMIT,
      BUILD_ID: BUILD,
      // nginx reaches the replicas from 127.0.0.1: the address the API believes X-Forwarded-For from.
      TRUST_PROXY: '127.0.0.1',
    });
    mailbox = await startSinkMailbox(stack.sink);
    const factory = await startApiInProcess(stack.env);
    const admin = await createActiveUser(factory.app, { role: 'admin' }).finally(() => factory.close());
    replicas = await Promise.all([startApiReplica(stack.env), startApiReplica(stack.env)]);
    nginx = await NginxServer.start({
      upstreams: replicas.map((replica) => `127.0.0.1:${replica.port}`),
      certificates,
    });
    // Straight to a replica, not through nginx: the script's own two sign-ins from 127.0.0.1 then have
    // nginx's login allowance (5 a minute per address) to themselves.
    adminToken = (await signInWithMfa(replicas[0]!.url, admin)).accessToken;
    tokenFile = path.join(scratch, 'operator-token');
    await writeFile(tokenFile, `${adminToken}\n`, { mode: 0o600 });
  });

  afterAll(async () => {
    await nginx?.stop();
    await Promise.all(replicas.map((replica) => replica.stop()));
    await stack?.worker.stop();
    await stack?.sink.stop();
    await mailbox?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  // First: the burst of the passing run spends 127.0.0.1's allowance at nginx for a couple of seconds,
  // and this run's few requests must not meet it.
  it('fails, exit 1, when the release behind nginx is not the expected one', async () => {
    const run = await verify(['--expect-commit', 'not-this-release']);
    show('verify:deployment through nginx expecting another release', run);
    expect(run.code).toBe(1);
    expect(row(run, 'release')).toMatch(/^FAIL {2}release .*commit .*, expected not-this-release/);
    // Only the release is wrong: the edge and the API are otherwise fine.
    for (const name of ['security headers', 'hsts', 'https redirect', 'readiness'])
      expect(row(run, name)).toMatch(/^PASS {2}/);
  });

  it('passes every check over https, HSTS and the redirect included', async () => {
    const run = await verify([
      ...['--expect-commit', COMMIT, '--mailbox-url', mailbox.url],
      ...['--operator-token-file', tokenFile, '--burst', String(BURST)],
    ]);
    show('verify:deployment through nginx', run);
    expect(run.code).toBe(0);
    for (const name of CHECKS) expect(row(run, name)).toMatch(/^PASS {2}/);
    expect(row(run, 'release')).toContain(`commit ${COMMIT}, build ${BUILD}`);
    expect(row(run, 'hsts')).toContain('max-age=31536000; includeSubDomains');
    // nginx's $host carries no port: production's https is on 443.
    expect(row(run, 'https redirect')).toContain(
      `${nginx.httpUrl}/__healthz 301 -> https://localhost/__healthz`,
    );
    expect(row(run, 'flag rollback')).toMatch(/TTR \d+ ms .*flag archived, SDK key revoked/);
    // nginx's own 429 (the API's limits are off here), which says when to retry.
    expect(row(run, 'rate limit')).toMatch(/429 rate_limited, Retry-After 1 s/);
    expect(run.stdout).toContain('PASS: 12 passed, 0 failed, 0 skipped');
    expect(run.stdout + run.stderr).not.toContain(adminToken);
  });
});
