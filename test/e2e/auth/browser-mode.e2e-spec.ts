import { appEnv } from '../../support/app-env';
import { createActiveUser } from '../../factories';
import { type RunningApi, startApiInProcess } from '../../support/in-process-api';

interface CookieSession {
  tokenType: string;
  csrfToken: string;
  expiresIn: number;
  accessToken?: string;
  refreshToken?: string;
}

/** A tiny cookie jar: what Set-Cookie gave, sent back as a Cookie header. */
function jarFrom(response: Response, jar: Map<string, string> = new Map()): Map<string, string> {
  for (const header of response.headers.getSetCookie()) {
    const [pair = ''] = header.split(';');
    const [name = '', ...value] = pair.split('=');
    const joined = value.join('=');
    if (joined === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(header)) jar.delete(name.trim());
    else jar.set(name.trim(), joined);
  }
  return jar;
}

function cookieHeader(jar: Map<string, string>): string {
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}

describe('browser mode: tokens in HttpOnly cookies, CSRF token for state changes', () => {
  let api: RunningApi;

  const request = (
    method: string,
    path: string,
    options: { jar?: Map<string, string>; csrf?: string; body?: unknown; cookieMode?: boolean } = {},
  ): Promise<Response> =>
    fetch(`${api.url}/v1/auth/${path}`, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.jar ? { cookie: cookieHeader(options.jar) } : {}),
        ...(options.csrf ? { 'x-csrf-token': options.csrf } : {}),
        ...(options.cookieMode ? { 'x-auth-mode': 'cookie' } : {}),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });

  async function signIn(): Promise<{ jar: Map<string, string>; session: CookieSession; response: Response }> {
    const user = await createActiveUser(api.app);
    const response = await request('POST', 'login', {
      body: { email: user.email, password: user.password },
      cookieMode: true,
    });
    expect(response.status).toBe(200);
    return { jar: jarFrom(response), session: (await response.json()) as CookieSession, response };
  }

  beforeAll(async () => {
    api = await startApiInProcess(appEnv({ LOGIN_MAX_FAILURES: '100' }));
  });
  afterAll(() => api.close());

  it('sets HttpOnly, Secure, SameSite cookies and keeps the tokens out of the body', async () => {
    const { response, session, jar } = await signIn();
    expect(session.tokenType).toBe('Cookie');
    expect(session.accessToken).toBeUndefined();
    expect(session.refreshToken).toBeUndefined();
    expect(session.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const cookies = response.headers.getSetCookie();
    const access = cookies.find((cookie) => cookie.startsWith('__Host-rampart_access='));
    const refresh = cookies.find((cookie) => cookie.startsWith('__Host-rampart_refresh='));
    const csrf = cookies.find((cookie) => cookie.startsWith('__Host-rampart_csrf='));
    for (const cookie of [access, refresh]) {
      expect(cookie).toMatch(/; HttpOnly/i);
      expect(cookie).toMatch(/; Secure/i);
      expect(cookie).toMatch(/; SameSite=Lax/i);
      expect(cookie).toMatch(/; Path=\//i);
    }
    expect(csrf).not.toMatch(/HttpOnly/i);
    expect(jar.get('__Host-rampart_csrf')).toBe(session.csrfToken);
  });

  it('authenticates reads by cookie alone, and state changes only with the session CSRF token', async () => {
    const { jar, session } = await signIn();
    expect((await request('GET', 'me', { jar })).status).toBe(200);

    const missing = await request('POST', 'logout', { jar });
    expect(missing.status).toBe(403);
    expect(((await missing.json()) as { code: string }).code).toBe('csrf_invalid');
    const other = await signIn();
    expect((await request('POST', 'logout', { jar, csrf: other.session.csrfToken })).status).toBe(403);
    expect((await request('POST', 'logout', { jar, csrf: 'forged-token' })).status).toBe(403);
    expect((await request('GET', 'me', { jar })).status).toBe(200);

    const logout = await request('POST', 'logout', { jar, csrf: session.csrfToken });
    expect(logout.status).toBe(204);
    expect(jarFrom(logout, new Map(jar)).has('__Host-rampart_access')).toBe(false);
    expect((await request('GET', 'me', { jar })).status).toBe(401);
  });

  it('refreshes from the refresh cookie with the CSRF token, rotating the cookies', async () => {
    const { jar, session } = await signIn();
    expect((await request('POST', 'refresh', { jar, body: {} })).status).toBe(403);
    const refreshed = await request('POST', 'refresh', {
      jar,
      csrf: session.csrfToken,
      body: {},
      cookieMode: true,
    });
    expect(refreshed.status).toBe(200);
    const next = jarFrom(refreshed, new Map(jar));
    expect(next.get('__Host-rampart_refresh')).not.toBe(jar.get('__Host-rampart_refresh'));
    expect((await request('GET', 'me', { jar: next })).status).toBe(200);
    // The old refresh cookie is spent: presenting it again is reuse, and ends the session.
    expect((await request('POST', 'refresh', { jar, csrf: session.csrfToken, body: {} })).status).toBe(401);
    expect((await request('GET', 'me', { jar: next })).status).toBe(401);
  });

  it('hands the CSRF token of the cookie session to a page that lost it', async () => {
    const { jar, session } = await signIn();
    const response = await request('GET', 'csrf', { jar });
    expect(await response.json()).toEqual({ csrfToken: session.csrfToken });
  });
});
