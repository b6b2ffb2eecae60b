// The rolling update of docs/deployment.md, done to real processes: two API replicas behind nginx
// (the production config), clients sending a steady light load through it, and each replica in turn
// stopped with SIGTERM and started again on its port. No client may see a failed request: nginx
// moves requests off the replica that is going (it refuses connections at once, and answers 503 on
// a connection it is closing), and the replica finishes what it already has.
import https from 'node:https';
import { appEnv } from '../../support/app-env';
import { parseExposition } from '../../support/prometheus-text';
import { eventually } from '../../support/eventually';
import type { TestUser } from '../../factories';
import { type EdgeStack, startApiReplica, startEdgeStack } from '../support/api-replica';
import type { AppProcess } from '../support/app-process';
import { edgeRequest } from '../support/edge-client';
import type { NginxServer } from '../support/nginx-server';
import type { TestCertificates } from '../support/tls-certs';

/** 5 clients x 8 r/s = 40 r/s in all, each client under nginx's 10 r/s per address. */
const CLIENTS = 5;
const CLIENT_INTERVAL_MS = 125;

interface Failure {
  path: string;
  /** The status, or the error that left no status. */
  outcome: number | string;
  atMs: number;
}

interface LoadResult {
  total: number;
  failures: Failure[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Clients that keep sending GET /health/live and an authenticated GET /v1/auth/me, alternately,
 * each over its own keep-alive connection from its own address, until stopped.
 */
function startLoad(baseUrl: string, ca: string, accessToken: string): { stop(): Promise<LoadResult> } {
  const startedAt = Date.now();
  const failures: Failure[] = [];
  let total = 0;
  let running = true;
  const clients = Array.from({ length: CLIENTS }, async (_, client) => {
    const from = `127.0.8.${10 + client}`;
    const agent = new https.Agent({ keepAlive: true, maxSockets: 4 });
    const inFlight: Promise<void>[] = [];
    for (let tick = 0; running; tick += 1) {
      const path = tick % 2 === 0 ? '/health/live' : '/v1/auth/me';
      total += 1;
      inFlight.push(
        edgeRequest(`${baseUrl}${path}`, {
          ca,
          from,
          agent,
          headers: path === '/v1/auth/me' ? { authorization: `Bearer ${accessToken}` } : {},
        }).then(
          (response) => {
            if (response.status !== 200)
              failures.push({ path, outcome: response.status, atMs: Date.now() - startedAt });
          },
          (error: unknown) => {
            failures.push({
              path,
              outcome: error instanceof Error ? error.message : String(error),
              atMs: Date.now() - startedAt,
            });
          },
        ),
      );
      await sleep(CLIENT_INTERVAL_MS);
    }
    await Promise.all(inFlight);
    agent.destroy();
  });
  return {
    async stop() {
      running = false;
      await Promise.all(clients);
      return { total, failures };
    },
  };
}

/** Requests to /v1/auth/me the replica has answered: only nginx sends those, so they are proxied traffic. */
async function proxiedCount(replica: AppProcess): Promise<number> {
  const response = await edgeRequest(`${replica.url}/metrics`);
  return parseExposition(response.body)
    .of('http_requests_total')
    .filter((sample) => sample.labels.route?.endsWith('/auth/me'))
    .reduce((sum, sample) => sum + sample.value, 0);
}

describe('a rolling update behind nginx', () => {
  let certificates: TestCertificates;
  let stack: EdgeStack | undefined;
  let replicas: AppProcess[] = [];
  let nginx: NginxServer;
  let user: TestUser;
  const env = appEnv({
    JWT_SECRET: 'e2e-rolling-update-jwt-secret-that-is-long-enough-1',
    TRUST_PROXY: '127.0.0.1',
  });

  beforeAll(async () => {
    stack = await startEdgeStack(env);
    ({ certificates, user, replicas, nginx } = stack);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('replaces both API processes, one at a time, without a failed request', async () => {
    const login = await edgeRequest(`${nginx.httpsUrl}/v1/auth/login`, {
      ca: certificates.ca,
      from: '127.0.8.2',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: user.email, password: user.password }),
    });
    expect(login.status).toBe(200);
    const { accessToken } = JSON.parse(login.body) as { accessToken: string };

    const load = startLoad(nginx.httpsUrl, certificates.ca, accessToken);
    try {
      await sleep(1_000);
      for (let i = 0; i < replicas.length; i += 1) {
        const old = replicas[i]!;
        expect(await proxiedCount(old)).toBeGreaterThan(0);
        old.signal('SIGTERM');
        expect(await old.waitForExit()).toEqual({ code: 0, signal: null });
        replicas[i] = await startApiReplica(env, old.port);
        // The next replica may go only once this one takes traffic again: nginx leaves a replica
        // that failed alone for fail_timeout (5 s), and with both left alone it would answer 502.
        const serving = await eventually(
          () => proxiedCount(replicas[i]!),
          (count) => count > 0,
          10_000,
        );
        expect(serving).toBeGreaterThan(0);
      }
      await sleep(500);
    } finally {
      const { total, failures } = await load.stop();
      // nginx met the stopped replicas (refused connections, 503s while closing) and moved those requests on.
      const movedOn = nginx.output.filter((line) =>
        /while connecting to upstream|upstream/.test(line),
      ).length;
      process.stdout.write(
        `rolling update: ${total} requests through nginx, ${failures.length} failed, ` +
          `${movedOn} upstream errors nginx met (and retried elsewhere)\n`,
      );
      expect(failures).toEqual([]);
      expect(total).toBeGreaterThan(300);
      expect(movedOn).toBeGreaterThan(0);
    }
  });
});
