import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { appEnv } from '../../support/app-env';
import { type RunningApi, startApiInProcess } from '../../support/in-process-api';
import { decodeJwt } from '../support/jwt';
import { randomSuffix } from '../../support/run-settings';

const ROOT = path.resolve(__dirname, '../../..');
const run = promisify(execFile);

describe('npm run admin:create', () => {
  const env = appEnv();
  let api: RunningApi;

  const cli = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await run(
        process.execPath,
        [path.join(ROOT, 'dist/apps/api/src/cli/create-admin.js'), ...args],
        {
          env: { PATH: process.env.PATH ?? '', ...env },
        },
      );
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };

  beforeAll(async () => {
    api = await startApiInProcess({ REDIS_KEY_PREFIX: env.REDIS_KEY_PREFIX });
  });
  afterAll(() => api.close());

  it('creates an administrator without any known password and prints a one-time link to set one', async () => {
    const email = `first-admin-${randomSuffix()}@example.test`;
    const created = await cli('--email', email);
    expect(created.code).toBe(0);
    const token = /token: (\S+)/.exec(created.stdout)?.[1];
    expect(token).toBeDefined();

    const post = (route: string, body: unknown): Promise<Response> =>
      fetch(`${api.url}/v1/auth/${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const newPassword = 'a-first-admin-passphrase-2026';
    expect((await post('password/reset', { token, newPassword })).status).toBe(204);
    const login = await post('login', { email, password: newPassword });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    expect(decodeJwt(accessToken).claims.role).toBe('admin');
    // An admin, but without MFA yet: administrative routes ask for enrolment first.
    const users = await fetch(`${api.url}/v1/admin/users`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(((await users.json()) as { code: string }).code).toBe('mfa_required');
  });

  it('refuses an address that already has an account, and a missing address', async () => {
    const email = `second-admin-${randomSuffix()}@example.test`;
    expect((await cli('--email', email)).code).toBe(0);
    const again = await cli('--email', email);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already has an account');
    expect((await cli()).code).toBe(2);
  });
});
