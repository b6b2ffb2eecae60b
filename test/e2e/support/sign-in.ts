import { totpCodeAt } from '../../../apps/api/src/auth/mfa/totp';
import type { TestUser } from './factories';

export interface SignedIn {
  accessToken: string;
  refreshToken: string;
}

async function post(
  baseUrl: string,
  path: string,
  body: unknown,
  token?: string,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${baseUrl}/v1/auth/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** Signs in with the password only. */
export async function signIn(baseUrl: string, user: TestUser): Promise<SignedIn> {
  const body = await post(baseUrl, 'login', { email: user.email, password: user.password });
  return { accessToken: body.accessToken as string, refreshToken: body.refreshToken as string };
}

/**
 * Enrols TOTP for the user through the API and returns its secret. The enabling code is the
 * previous time step's, so the current step is still unused for the sign-in that follows.
 */
export async function enrolTotp(baseUrl: string, user: TestUser): Promise<string> {
  const { accessToken } = await signIn(baseUrl, user);
  const setup = await post(baseUrl, 'mfa/totp/setup', {}, accessToken);
  const secret = setup.secret as string;
  await post(baseUrl, 'mfa/totp/enable', { code: totpCodeAt(secret, Date.now() - 30_000) }, accessToken);
  return secret;
}

/** Enrols TOTP for the user through the API, then signs in with password and code (amr pwd+mfa). */
export async function signInWithMfa(baseUrl: string, user: TestUser): Promise<SignedIn> {
  const secret = await enrolTotp(baseUrl, user);
  const challenge = await post(baseUrl, 'login', { email: user.email, password: user.password });
  const verified = await post(baseUrl, 'mfa/verify', {
    mfaToken: challenge.mfaToken,
    code: totpCodeAt(secret, Date.now()),
  });
  return { accessToken: verified.accessToken as string, refreshToken: verified.refreshToken as string };
}
