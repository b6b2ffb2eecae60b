import { totpCodeAt } from '../../../apps/api/src/auth/mfa/totp';
import type { TestUser } from '../../factories';

export interface SignedIn {
  accessToken: string;
  refreshToken: string;
}

export interface TotpEnrolment {
  secret: string;
  recoveryCodes: string[];
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
 * Enrols TOTP through the API as the owner does: setup and enable, each with the current password.
 * The enabling code is of the previous step, so a code of the current step is still usable afterwards.
 */
export async function enrolTotp(
  baseUrl: string,
  user: TestUser,
  accessToken: string,
): Promise<TotpEnrolment> {
  const setup = await post(baseUrl, 'mfa/totp/setup', { password: user.password }, accessToken);
  const secret = setup.secret as string;
  // Close to a step's end, a previous-step code could be two steps old by the time a loaded server
  // checks it: wait for the next step instead.
  const intoStep = Date.now() % 30_000;
  if (intoStep > 27_000) await new Promise((resolve) => setTimeout(resolve, 30_100 - intoStep));
  const enabled = await post(
    baseUrl,
    'mfa/totp/enable',
    { password: user.password, code: totpCodeAt(secret, Date.now() - 30_000) },
    accessToken,
  );
  return { secret, recoveryCodes: enabled.recoveryCodes as string[] };
}

/** Enrols TOTP for the user through the API, then signs in with password and code (amr pwd+mfa). */
export async function signInWithMfa(baseUrl: string, user: TestUser): Promise<SignedIn> {
  return (await signInWithMfaEnrolment(baseUrl, user)).session;
}

/** signInWithMfa, also returning the enrolment (the secret, for later codes). */
export async function signInWithMfaEnrolment(
  baseUrl: string,
  user: TestUser,
): Promise<{ session: SignedIn; enrolment: TotpEnrolment }> {
  const { accessToken } = await signIn(baseUrl, user);
  const enrolment = await enrolTotp(baseUrl, user, accessToken);
  const challenge = await post(baseUrl, 'login', { email: user.email, password: user.password });
  const verified = await post(baseUrl, 'mfa/verify', {
    mfaToken: challenge.mfaToken,
    code: totpCodeAt(enrolment.secret, Date.now()),
  });
  return {
    session: { accessToken: verified.accessToken as string, refreshToken: verified.refreshToken as string },
    enrolment,
  };
}
