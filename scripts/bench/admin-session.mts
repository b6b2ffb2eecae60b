// The API as the bench's admin sees it: JSON calls over one-connection HTTP requests, and an admin
// session that passed TOTP MFA (enrolled through the API, signed in with a code), which every
// administrative route needs. Shared by the scenarios that drive admin routes (access, flags).
import { awayFromStepEnd } from '../../test/support/totp-steps.mts';
import type { TestUser } from '../../test/factories/accounts.mts';
import { httpRequest, type BenchSettings, type HttpResponse, type ServerProcess } from './lib.mts';
import { requireDist } from './servers.mts';

const CALL_TIMEOUT_MS = 10_000;
/** TOTP: RFC 6238 steps of 30 s; a code is accepted once per step and account. */
const TOTP_STEP_MS = 30_000;

export interface JsonResponse {
  status: number;
  headers: HttpResponse['headers'];
  text: string;
  /** The answer parsed as a JSON object; {} when it is not one (the text is kept for messages). */
  body: Record<string, unknown>;
}

/** One JSON request on its own connection, with an optional bearer token, body and extra headers. */
export async function callApi(
  api: ServerProcess,
  method: string,
  route: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    // Node frames a body by itself only for methods that usually have one: a DELETE's would go
    // out with neither Content-Length nor chunked encoding, and the server would read it as the
    // next request.
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  const response = await httpRequest(`${api.url}${route}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
    timeoutMs: CALL_TIMEOUT_MS,
  });
  let answer: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(response.body);
    if (parsed !== null && typeof parsed === 'object') answer = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: the callers check the fields they need and report the text.
  }
  return { status: response.status, headers: response.headers, text: response.body, body: answer };
}

/** Throws with the answer when `response` is not `status` or lacks a string field `field`. */
export function expectAnswer(what: string, response: JsonResponse, status: number, field?: string): string {
  const value = field === undefined ? '' : response.body[field];
  if (response.status !== status || (field !== undefined && typeof value !== 'string')) {
    throw new Error(
      `${what} answered ${response.status} (expected ${status}${field ? ` with ${field}` : ''}): ` +
        response.text.slice(0, 300),
    );
  }
  return typeof value === 'string' ? value : '';
}

interface TotpModule {
  totpCodeAt: (secret: string, timeMs: number) => string;
}

export type BenchAdmin = Pick<TestUser, 'email' | 'password'>;

/**
 * Signs the admin in with a password, checks that `adminRoute` (a GET that needs an administrative
 * permission) refuses that session with 403 mfa_required, enrols TOTP, signs in again and completes
 * the MFA challenge; returns the MFA session's access token. Up to 8 s longer when the current TOTP
 * step is about to end.
 */
export async function adminMfaToken(
  api: ServerProcess,
  admin: BenchAdmin,
  settings: BenchSettings,
  adminRoute: string,
): Promise<string> {
  const { totpCodeAt } = requireDist<TotpModule>(settings, 'apps/api/src/auth/mfa/totp.js');
  const credentials = { email: admin.email, password: admin.password };
  const first = await callApi(api, 'POST', '/v1/auth/login', { body: credentials });
  const passwordToken = expectAnswer('POST /v1/auth/login (no MFA yet)', first, 200, 'accessToken');

  const refused = await callApi(api, 'GET', adminRoute, { token: passwordToken });
  if (refused.status !== 403 || refused.body.code !== 'mfa_required') {
    throw new Error(
      `GET ${adminRoute} with a password-only admin session answered ${refused.status} ` +
        `(expected 403 mfa_required): ${refused.text.slice(0, 300)}`,
    );
  }

  await awayFromStepEnd();
  // Enrolment changes the account's second factor, so each step carries the current password.
  const setup = await callApi(api, 'POST', '/v1/auth/mfa/totp/setup', {
    token: passwordToken,
    body: { password: admin.password },
  });
  const secret = expectAnswer('POST /v1/auth/mfa/totp/setup', setup, 200, 'secret');
  const enable = await callApi(api, 'POST', '/v1/auth/mfa/totp/enable', {
    token: passwordToken,
    body: { password: admin.password, code: totpCodeAt(secret, Date.now()) },
  });
  expectAnswer('POST /v1/auth/mfa/totp/enable', enable, 200);

  const second = await callApi(api, 'POST', '/v1/auth/login', { body: credentials });
  const mfaToken = expectAnswer('POST /v1/auth/login (MFA enrolled)', second, 200, 'mfaToken');
  if (second.body.mfaRequired !== true) {
    throw new Error(`POST /v1/auth/login (MFA enrolled) did not ask for MFA: ${second.text.slice(0, 300)}`);
  }
  // The enable used the current step's code; a code is accepted once per step, so the next step's.
  const verify = await callApi(api, 'POST', '/v1/auth/mfa/verify', {
    body: { mfaToken, code: totpCodeAt(secret, Date.now() + TOTP_STEP_MS) },
  });
  return expectAnswer('POST /v1/auth/mfa/verify', verify, 200, 'accessToken');
}
