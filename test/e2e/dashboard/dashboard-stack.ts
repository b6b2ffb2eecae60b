import { randomUUID } from 'node:crypto';
import { LATENCY_BUCKET_COUNT } from '@rampart/rollout-guardrails';
import { booleanFlag, uniqueFlagKey } from '../../factories';
import { appEnv } from '../../support/app-env';
import { eventually } from '../../support/eventually';
import { type ApiAnswer, callApi } from '../support/api-call';
import { AppProcess } from '../support/app-process';
import {
  type RoleAccounts,
  type RoleTokens,
  createRoleAccounts,
  signInRoles,
} from '../support/role-sessions';

/** The release the banner is built from, as a deploy pipeline would set it. */
export const RELEASE_ENV = {
  RELEASE_NAME: 'ATLAS',
  RELEASE_VERSION: 'v1',
  BUILD_ID: 'phase1',
  COMMIT_SHA: 'f42638c9d1e0a7b6c5d4e3f2a1b0c9d8e7f6a5b4',
  RELEASE_DATE: '2025-09-24',
  DEPLOYMENT_MODE: 'admin-only',
};
export const BANNER_TEXT =
  'ATLAS v1 • build phase1 • Commit: f42638c • Date: 2025-09-24 UTC • Admin-Only Mode';

/** The guardrails of the rollout's stages: errors breaches (on purpose), crashes stays healthy. */
export const ERROR_THRESHOLD = 0.05;
const guardrails = [
  {
    id: 'errors',
    kind: 'error_rate',
    threshold: ERROR_THRESHOLD,
    minSamples: 20,
    windowMs: 600_000,
    // Breaching for an hour before it rolls back: the stage stays where the dashboard can see it.
    forMs: 3_600_000,
  },
  { id: 'crashes', kind: 'exceptions' },
];
const plan = {
  stages: [50, 100].map((percentage) => ({
    percentage,
    holdMs: 3_600_000,
    extensionMs: 60_000,
    maxExtensions: 0,
    guardrails,
  })),
};

export interface DashboardStack {
  api: AppProcess;
  worker: AppProcess;
  accounts: RoleAccounts;
  tokens: RoleTokens;
  flagKey: string;
  rolloutId: string;
  incidentId: string;
  /** GET /v1/admin/dashboard with this token (or none). */
  dashboard(token?: string): Promise<ApiAnswer>;
  /** The target variant reports a 30 % error rate against the control's none, in a bucket of this stage. */
  reportBreachingTelemetry(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A built API and a worker evaluating rollouts every second, with a running rollout of a new flag (its
 * first stage holds for an hour) and an open incident linked to it: what the dashboard suites look at.
 */
export async function startDashboardStack(overrides: Record<string, string> = {}): Promise<DashboardStack> {
  const env = appEnv({ ...RELEASE_ENV, ROLLOUT_EVALUATION_INTERVAL_MS: '1000', ...overrides });
  const accounts = await createRoleAccounts(env);
  const [api, worker] = await Promise.all([AppProcess.start('api', env), AppProcess.start('worker', env)]);
  const stop = () => Promise.all([api.stop(), worker.stop()]).then(() => undefined);
  try {
    const tokens = await signInRoles(api.url, accounts);
    const call = async (method: string, path: string, body?: unknown, token = tokens.admin) => {
      const answer = await callApi(api.url, method, path, { token, ...(body ? { body } : {}) });
      if (answer.status >= 300)
        throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer;
    };
    const serverKey = (await call('POST', '/v1/admin/sdk-keys', { name: 'dashboard e2e', kind: 'server' }))
      .body.key as string;
    const flag = booleanFlag({ key: uniqueFlagKey('dashboard'), defaultVariant: 'off' });
    const version = (await call('GET', '/v1/admin/flags')).body.version as number;
    await call('POST', '/v1/admin/flags', { flag, reason: 'dashboard e2e', expectedVersion: version });
    const rolloutId = (
      await call(
        'POST',
        '/v1/admin/rollouts',
        { flagKey: flag.key, targetVariant: 'on', plan },
        tokens.operator,
      )
    ).body.id as string;
    await call('POST', `/v1/admin/rollouts/${rolloutId}/start`, {}, tokens.operator);
    const incidentId = (
      await call(
        'POST',
        '/v1/admin/incidents',
        { title: 'Checkout errors at 50 %', severity: 'sev2', rolloutId },
        tokens.operator,
      )
    ).body.id as string;

    const reportBreachingTelemetry = async (): Promise<void> => {
      // The next 10-s bucket: it starts after the stage did, so the worker counts it once it closes.
      const start = Math.ceil((Date.now() + 1) / 10_000) * 10_000;
      const latency = (requests: number) => [
        requests,
        ...new Array<number>(LATENCY_BUCKET_COUNT - 1).fill(0),
      ];
      const response = await fetch(`${api.url}/v1/telemetry/batches`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${serverKey}` },
        body: JSON.stringify({
          batchId: randomUUID(),
          instance: 'checkout-1',
          reports: [
            {
              flag: flag.key,
              variant: 'on',
              start,
              requests: 100,
              errors: 30,
              latency: latency(100),
              exceptions: 0,
            },
            {
              flag: flag.key,
              variant: 'off',
              start,
              requests: 100,
              errors: 0,
              latency: latency(100),
              exceptions: 0,
            },
          ],
        }),
      });
      if (response.status !== 202)
        throw new Error(`telemetry batch: ${response.status} ${await response.text()}`);
    };

    return {
      api,
      worker,
      accounts,
      tokens,
      flagKey: flag.key,
      rolloutId,
      incidentId,
      dashboard: (token) => callApi(api.url, 'GET', '/v1/admin/dashboard', token ? { token } : {}),
      reportBreachingTelemetry,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface GuardrailShown {
  id: string;
  status: string;
}

/** Polls the dashboard until the worker's evaluation shows the `errors` guardrail breaching. */
export async function untilBreaching(stack: DashboardStack): Promise<ApiAnswer> {
  return eventually(
    () => stack.dashboard(stack.tokens.viewer),
    (answer) => {
      const rollouts = (answer.body.rollouts ?? []) as { id: string; guardrails: GuardrailShown[] }[];
      const rollout = rollouts.find((shown) => shown.id === stack.rolloutId);
      return (
        rollout?.guardrails.some(
          (guardrail) => guardrail.id === 'errors' && guardrail.status === 'breaching',
        ) ?? false
      );
    },
    40_000,
    500,
  );
}
