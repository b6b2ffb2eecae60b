import pg from 'pg';
import { AppProcess } from '../support/app-process';
import { DEFAULT_PASSWORD, createActiveUser } from '../../factories';
import type { RunningApi } from '../../support/in-process-api';
import { type MailStack, startMailStack } from '../support/mail-stack';
import { randomSuffix, runDatabaseUrl } from '../../support/run-settings';
import type { SmtpSink } from '../../support/smtp-sink';

interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

describe('lockout and password flows', () => {
  const db = new pg.Client({ connectionString: runDatabaseUrl() });
  let stack: MailStack;
  let env: Record<string, string>;
  let api: RunningApi;
  let sink: SmtpSink;

  const call = (target: { url: string }, path: string, body?: unknown, token?: string): Promise<Response> =>
    fetch(`${target.url}/v1/auth/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body ?? {}),
    });
  const login = (email: string, password: string, target: { url: string } = api): Promise<Response> =>
    call(target, 'login', { email, password });
  const code = async (response: Response): Promise<string> =>
    ((await response.json()) as { code: string }).code;
  const me = (token: string): Promise<number> =>
    fetch(`${api.url}/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } }).then(
      (response) => response.status,
    );

  async function linkToken(to: string, subject: string, path: string, nth = 1): Promise<string> {
    await sink.waitFor(
      () => sink.mails.filter((m) => m.to === to && m.subject.includes(subject)).length >= nth,
      15_000,
      `${subject} to ${to}`,
    );
    const mail = sink.mails.filter((m) => m.to === to && m.subject.includes(subject))[nth - 1];
    const match = new RegExp(`${path}\\?token=([A-Za-z0-9%_-]+)`).exec(mail?.text ?? '');
    if (!match?.[1]) throw new Error(`no token in the mail: ${mail?.text}`);
    return decodeURIComponent(match[1]);
  }

  beforeAll(async () => {
    await db.connect();
    stack = await startMailStack();
    ({ env, api, sink } = stack);
  });

  afterAll(async () => {
    await stack?.stop();
    await db.end();
  });

  it('locks an account after 5 consecutive failures, even for the right password, and mails the owner', async () => {
    const user = await createActiveUser(api.app);
    for (let i = 0; i < 5; i += 1) {
      const response = await login(user.email, `wrong-password-number-${i}`);
      expect(response.status).toBe(401);
      expect(await code(response)).toBe('invalid_credentials');
    }
    const locked = await login(user.email, user.password);
    expect(locked.status).toBe(429);
    expect(await code(locked)).toBe('account_locked');
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);

    await sink.waitFor(
      () => sink.mails.some((m) => m.to === user.email && m.subject.includes('locked')),
      15_000,
      'lockout notice',
    );
    expect(sink.mails.find((m) => m.to === user.email && m.subject.includes('locked'))?.text).toContain(
      '5 failed sign-ins',
    );

    const attempts = await db.query<{ reason: string; success: boolean }>(
      'SELECT reason, success FROM login_attempts WHERE email = $1 ORDER BY created_at',
      [user.email],
    );
    expect(attempts.rows.map((row) => row.reason)).toEqual([
      ...Array<string>(5).fill('invalid_credentials'),
      'account_locked',
    ]);
  });

  it('unlocks by itself once the lock has passed, and a success resets the count', async () => {
    const user = await createActiveUser(api.app);
    for (let i = 0; i < 5; i += 1) await login(user.email, 'wrong-password-again');
    expect((await login(user.email, user.password)).status).toBe(429);
    await db.query("UPDATE login_throttles SET locked_until = now() - interval '1 second' WHERE email = $1", [
      user.email,
    ]);
    expect((await login(user.email, user.password)).status).toBe(200);
    for (let i = 0; i < 4; i += 1) expect((await login(user.email, 'wrong-password-again')).status).toBe(401);
    expect((await login(user.email, user.password)).status).toBe(200);
    for (let i = 0; i < 4; i += 1) expect((await login(user.email, 'wrong-password-again')).status).toBe(401);
    expect((await login(user.email, user.password)).status).toBe(200);
  });

  it('answers an unknown address exactly like a known one, lockout included', async () => {
    const ghost = `ghost-${randomSuffix()}@example.test`;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await login(ghost, 'some-password-or-other')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('lets no more than 5 of 30 parallel guesses, spread over two API processes, reach the password check', async () => {
    const user = await createActiveUser(api.app);
    const second = await AppProcess.start('api', { ...env });
    try {
      const responses = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          login(user.email, `parallel-guess-${i}-wrong`, i % 2 ? second : api),
        ),
      );
      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status === 401)).toHaveLength(5);
      expect(statuses.filter((status) => status === 429)).toHaveLength(25);
      expect((await login(user.email, user.password, second)).status).toBe(429);
    } finally {
      await second.stop();
    }
  });

  it('resets a forgotten password by mail: every session ends, the old password stops working, the link works once', async () => {
    const user = await createActiveUser(api.app);
    const session = (await (await login(user.email, user.password)).json()) as TokenPair;

    const asked = await call(api, 'password/forgot', { email: user.email });
    expect(asked.status).toBe(202);
    const token = await linkToken(user.email, 'reset your password', 'reset-password');

    const weak = await call(api, 'password/reset', { token, newPassword: 'too-short' });
    expect(weak.status).toBe(400);
    expect(await code(weak)).toBe('validation_failed');

    const newPassword = 'a-brand-new-passphrase-2026';
    expect((await call(api, 'password/reset', { token, newPassword })).status).toBe(204);
    expect(await me(session.accessToken)).toBe(401);
    expect((await call(api, 'refresh', { refreshToken: session.refreshToken })).status).toBe(401);
    expect((await login(user.email, user.password)).status).toBe(401);
    expect((await login(user.email, newPassword)).status).toBe(200);
    const replay = await call(api, 'password/reset', { token, newPassword: 'yet-another-passphrase-77' });
    expect(replay.status).toBe(400);
    expect(await code(replay)).toBe('invalid_token');
  });

  it('answers a reset request for an unknown address alike, and sends nothing', async () => {
    const ghost = `nobody-${randomSuffix()}@example.test`;
    const response = await call(api, 'password/forgot', { email: ghost });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({
      status: 'accepted',
      message: 'If this address can be used, a mail with the next step is on its way.',
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sink.mails.filter((mail) => mail.to === ghost)).toHaveLength(0);
  });

  it('changes the password with the current one, ending every other session but this one', async () => {
    const user = await createActiveUser(api.app);
    const here = (await (await login(user.email, user.password)).json()) as TokenPair;
    const elsewhere = (await (await login(user.email, user.password)).json()) as TokenPair;

    const wrong = await call(
      api,
      'password/change',
      { currentPassword: 'not-my-password-1', newPassword: 'fresh-passphrase-1234' },
      here.accessToken,
    );
    expect(wrong.status).toBe(401);
    const changed = await call(
      api,
      'password/change',
      { currentPassword: DEFAULT_PASSWORD, newPassword: 'fresh-passphrase-1234' },
      here.accessToken,
    );
    expect(changed.status).toBe(204);
    expect(await me(here.accessToken)).toBe(200);
    expect(await me(elsewhere.accessToken)).toBe(401);
    expect((await call(api, 'refresh', { refreshToken: elsewhere.refreshToken })).status).toBe(401);
    expect((await login(user.email, 'fresh-passphrase-1234')).status).toBe(200);
  });
});
