import { Database, UserRepository } from '@rampart/db';
import { uniqueEmail } from '../../factories';
import { useApi } from '../support/apps';
import { useDatabase } from '../support/data-stores';

/**
 * Database.unitOfWork against the real PostgreSQL: what a change registers with afterCommit (mail
 * dispatch, ending sessions in Redis) runs once the change is visible to everyone else, in order,
 * and never for a change that rolled back.
 */
describe('unit of work: a transaction, then its after-commit steps', () => {
  const api = useApi();
  const db = useDatabase();

  const visibleElsewhere = async (email: string): Promise<boolean> =>
    (await db.rows('SELECT 1 FROM users WHERE email = $1', [email])).length > 0;

  it('runs the steps after the commit, in the order they were added', async () => {
    const email = uniqueEmail('uow');
    const seen: string[] = [];
    await api.get(Database).unitOfWork(async ({ tx, afterCommit }) => {
      await api.get(UserRepository).createUnverified(email, 'not-a-real-hash', tx);
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

  it('never runs the steps of a unit that rolled back, and keeps none of its writes', async () => {
    const email = uniqueEmail('uow');
    let ran = false;
    await expect(
      api.get(Database).unitOfWork(async ({ tx, afterCommit }) => {
        await api.get(UserRepository).createUnverified(email, 'not-a-real-hash', tx);
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

  it('fails the unit when a step fails, with the writes already committed', async () => {
    const email = uniqueEmail('uow');
    const seen: string[] = [];
    await expect(
      api.get(Database).unitOfWork(async ({ tx, afterCommit }) => {
        await api.get(UserRepository).createUnverified(email, 'not-a-real-hash', tx);
        afterCommit(() => Promise.reject(new Error('the step failed')));
        afterCommit(() => {
          seen.push('after the failed step');
          return Promise.resolve();
        });
      }),
    ).rejects.toThrow('the step failed');
    // The first failure ends the unit: later steps do not run, and the commit is not undone.
    expect(seen).toEqual([]);
    expect(await visibleElsewhere(email)).toBe(true);
  });
});
