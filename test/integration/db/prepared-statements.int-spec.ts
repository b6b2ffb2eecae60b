import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { LogIn } from '../../../apps/api/src/auth/use-cases/log-in';
import { RefreshSession } from '../../../apps/api/src/auth/use-cases/refresh-session';
import { createActiveUser } from '../../factories';
import { databaseUrlFor, randomSuffix, SERVER_DATABASE_URL } from '../../support/run-settings';
import { useApi } from '../support/apps';

const ROOT = path.resolve(__dirname, '../../..');
const CLIENT = { ipAddress: '203.0.113.9', userAgent: 'integration-test' };
/** Every table a password sign-in or a refresh reads or writes. */
const SIGN_IN_TABLES = [
  'users',
  'login_throttles',
  'sessions',
  'refresh_tokens',
  'login_attempts',
  'audit_log',
];

async function onDatabase<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * The API prepares each statement once per connection (DATABASE_PREPARED_STATEMENTS, on by default).
 * PostgreSQL refuses to run a prepared statement whose result columns changed, so an expand migration
 * that adds a column must leave the running release's statements working: none of them may return
 * `*` of a table. Checked on a database of its own (the migration here is not one of the project's),
 * with one pool connection, so the statements after the change are the ones prepared before it.
 */
describe('prepared statements across an expand migration', () => {
  const databaseUrl = databaseUrlFor(`rampart_prepared_${randomSuffix()}`);

  beforeAll(async () => {
    await promisify(execFile)(
      process.execPath,
      ['--no-warnings', path.join(ROOT, 'scripts/db.mts'), 'migrate'],
      {
        env: { ...process.env, DATABASE_URL: databaseUrl },
      },
    );
  });
  const api = useApi({ DATABASE_URL: databaseUrl, DATABASE_POOL_MAX: '1' });
  afterAll(async () => {
    const name = new URL(databaseUrl).pathname.slice(1);
    await onDatabase(SERVER_DATABASE_URL, (client) =>
      client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
    );
  });

  const logIn = (email: string, password: string) =>
    api.get(LogIn).execute({ email, password, client: CLIENT });

  const refresh = (refreshToken: string) => api.get(RefreshSession).execute({ refreshToken });

  it('keeps signing in, refreshing, refusing and auditing after a column is added to every table it uses', async () => {
    const user = await createActiveUser(api.app);
    await expect(logIn(user.email, 'not-the-password-at-all-1')).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
    const pair = await logIn(user.email, user.password);
    if (!('refreshToken' in pair)) throw new Error('expected a token pair');
    const refreshed = await refresh(pair.refreshToken);

    await onDatabase(databaseUrl, async (client) => {
      for (const table of SIGN_IN_TABLES) {
        await client.query(`ALTER TABLE "${table}" ADD COLUMN "expand_step" integer`);
      }
    });

    await expect(logIn(user.email, 'not-the-password-at-all-1')).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
    await expect(logIn(user.email, user.password)).resolves.toMatchObject({ tokenType: 'Bearer' });
    await expect(refresh(refreshed.refreshToken)).resolves.toMatchObject({ tokenType: 'Bearer' });
    await expect(refresh(refreshed.refreshToken)).rejects.toMatchObject({ code: 'refresh_token_reused' });
    const other = await createActiveUser(api.app);
    await expect(logIn(other.email, other.password)).resolves.toMatchObject({ tokenType: 'Bearer' });
  });

  it('(the control) would fail a prepared statement that returned `*` of a table that gained a column', async () => {
    await onDatabase(databaseUrl, async (client) => {
      const star = { name: 'star_of_sessions', text: 'SELECT * FROM sessions LIMIT 1' };
      await client.query(star);
      await client.query('ALTER TABLE sessions ADD COLUMN "control_step" integer');
      await expect(client.query(star)).rejects.toThrow(/cached plan must not change result type/);
    });
  });
});
