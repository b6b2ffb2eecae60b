import type { ApiConfig } from '@rampart/config';
import { MfaRepository } from '@rampart/db';
import { SecretBox, TOTP_SECRET_PURPOSE } from '../../../apps/api/src/auth/mfa/secret-box';
import { ResealMfaSecrets } from '../../../apps/api/src/auth/use-cases/reseal-mfa-secrets';
import { createActiveUser } from '../../factories';
import { useApi } from '../support/apps';
import { useDatabase } from '../support/data-stores';

const KEY_A = 'integration-reseal-mfa-key-a-0123456789abcdef';
const KEY_B = 'integration-reseal-mfa-key-b-0123456789abcdef';
const KEY_UNKNOWN = 'integration-reseal-mfa-key-never-configured-01';

const boxOf = (encryptionKey: string): SecretBox =>
  new SecretBox({
    mfa: { encryptionKey, previousEncryptionKeys: [] as string[], issuer: 'Rampart' },
  } as ApiConfig);

/**
 * Re-sealing TOTP secrets under a new MFA_ENCRYPTION_KEY (apps/api/src/auth/use-cases/reseal-mfa-secrets.ts)
 * against the real database: paging through batches, leaving what no key opens, and never overwriting a
 * value a user changed while the command ran. Other spec files' users share the run's database, sealed
 * under the test default key, which this API does not have: they show up as unreadable and stay as they
 * are, so the assertions look at this file's users only.
 */
describe('ResealMfaSecrets', () => {
  const api = useApi({ MFA_ENCRYPTION_KEY: KEY_B, MFA_PREVIOUS_ENCRYPTION_KEYS: KEY_A });
  const db = useDatabase();

  const sealedOf = async (userId: string): Promise<{ secret: string | null; pending: string | null }> => {
    const [row] = await db.rows<{ secret: string | null; pending: string | null }>(
      'SELECT totp_secret AS secret, totp_pending_secret AS pending FROM users WHERE id = $1',
      [userId],
    );
    if (!row) throw new Error(`no user ${userId}`);
    return row;
  };

  const setSealed = (
    userId: string,
    secret: string | null,
    pending: string | null = null,
  ): Promise<unknown> =>
    db.rows('UPDATE users SET totp_secret = $2, totp_pending_secret = $3 WHERE id = $1', [
      userId,
      secret,
      pending,
    ]);

  it('re-seals users across batch boundaries, and leaves values no configured key opens', async () => {
    const users = await Promise.all([1, 2, 3, 4].map(() => createActiveUser(api.app)));
    const [first, second, third, lost] = users;
    if (!first || !second || !third || !lost) throw new Error('factory');
    await setSealed(first.id, boxOf(KEY_A).seal('FIRSTSECRET', TOTP_SECRET_PURPOSE));
    await setSealed(second.id, null, boxOf(KEY_A).seal('SECONDPENDING', TOTP_SECRET_PURPOSE));
    await setSealed(
      third.id,
      boxOf(KEY_A).seal('THIRDSECRET', TOTP_SECRET_PURPOSE),
      boxOf(KEY_B).seal('THIRDPENDING', TOTP_SECRET_PURPOSE),
    );
    const lostValue = boxOf(KEY_UNKNOWN).seal('LOSTSECRET', TOTP_SECRET_PURPOSE);
    await setSealed(lost.id, lostValue);
    const thirdPendingBefore = (await sealedOf(third.id)).pending;

    const report = await api.get(ResealMfaSecrets).execute({ batchSize: 1 });

    const current = boxOf(KEY_B);
    const mine = new Set(users.map((user) => user.id));
    expect(report.keyId).toBe(current.currentKeyId);
    expect(report.resealed).toBe(3);
    expect(report.unreadable.filter(({ userId }) => mine.has(userId))).toEqual([
      { userId: lost.id, column: 'secret' },
    ]);
    const open = (sealed: string | null): string | null =>
      sealed === null ? null : current.open(sealed, TOTP_SECRET_PURPOSE);
    expect(
      await sealedOf(first.id).then(({ secret }) => [current.isCurrent(secret ?? ''), open(secret)]),
    ).toEqual([true, 'FIRSTSECRET']);
    expect(await sealedOf(second.id).then(({ pending }) => open(pending))).toBe('SECONDPENDING');
    // Already under the current key: left exactly as it was.
    expect((await sealedOf(third.id)).pending).toBe(thirdPendingBefore);
    expect(open((await sealedOf(third.id)).secret)).toBe('THIRDSECRET');
    expect((await sealedOf(lost.id)).secret).toBe(lostValue);

    const again = await api.get(ResealMfaSecrets).execute({ batchSize: 1 });
    expect(again.resealed).toBe(0);
  });

  it('keeps a value the user changed after the command read it', async () => {
    const user = await createActiveUser(api.app);
    await setSealed(user.id, boxOf(KEY_A).seal('OLDSECRET', TOTP_SECRET_PURPOSE));
    const reenrolled = boxOf(KEY_B).seal('REENROLLED', TOTP_SECRET_PURPOSE);
    // The user enrols again (on an API process) between the command's read and its write.
    const mfa = api.get(MfaRepository);
    const read = mfa.sealedNotUnder.bind(mfa);
    let raced = false;
    const race = jest.spyOn(mfa, 'sealedNotUnder').mockImplementation(async (...args) => {
      const batch = await read(...args);
      if (!raced && batch.some(({ userId }) => userId === user.id)) {
        raced = true;
        await setSealed(user.id, reenrolled);
      }
      return batch;
    });
    try {
      const report = await api.get(ResealMfaSecrets).execute();
      expect(raced).toBe(true);
      expect(report.changedMeanwhile).toBe(1);
      expect(report.resealed).toBe(0);
    } finally {
      race.mockRestore();
    }
    expect((await sealedOf(user.id)).secret).toBe(reenrolled);
  });
});
