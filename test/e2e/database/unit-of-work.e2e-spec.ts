import pg from 'pg';
import { Database, UserRepository } from '@rampart/db';
import { type RunningApi, startApiInProcess } from '../support/in-process-api';
import { randomSuffix, runDatabaseUrl } from '../support/run-settings';

/**
 * Database.unitOfWork against the real PostgreSQL: what a change registers with afterCommit (mail
 * dispatch, ending sessions in Redis) runs once the change is visible to everyone else, in order,
 * and never for a change that rolled back.
 */
describe('unit of work: a transaction, then its after-commit steps', () => {
  const db = new pg.Client({ connectionString: runDatabaseUrl() });
  let api: RunningApi;

  beforeAll(async () => {
    await db.connect();
    api = await startApiInProcess();
  });
  afterAll(async () => {
    await api?.close();
    await db.end();
  });

  const visibleElsewhere = async (email: string): Promise<boolean> =>
    ((await db.query('SELECT 1 FROM users WHERE email = $1', [email])).rowCount ?? 0) > 0;

  it('runs the steps after the commit, in the order they were added', async () => {
    const email = `uow-${randomSuffix()}@example.test`;
    const seen: string[] = [];
    await api.app.get(Database).unitOfWork(async ({ tx, afterCommit }) => {
      await api.app.get(UserRepository).createUnverified(email, 'not-a-real-hash', tx);
      afterCommit(async () => {
        seen.push(`first: committed=${String(await visibleElsewhere(email))}`);
      });
      afterCommit(() => {
        seen.push('second');
        return Promise.resolve();
      });
      // Nothing has run yet, and no other connection sees the row.
      expect(seen).toEqual([]);
      expect(await visibleElsewhere(email)).toBe(false);
    });
    expect(seen).toEqual(['first: committed=true', 'second']);
  });

  it('never runs the steps of a unit that rolled back', async () => {
    const email = `uow-${randomSuffix()}@example.test`;
    let ran = false;
    await expect(
      api.app.get(Database).unitOfWork(async ({ tx, afterCommit }) => {
        await api.app.get(UserRepository).createUnverified(email, 'not-a-real-hash', tx);
        afterCommit(() => {
          ran = true;
          return Promise.resolve();
        });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(ran).toBe(false);
    expect(await visibleElsewhere(email)).toBe(false);
  });
});
