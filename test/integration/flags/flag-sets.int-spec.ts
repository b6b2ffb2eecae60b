import { AuditLog } from '@rampart/audit';
import { Database, FlagSetVersionRepository } from '@rampart/db';
import { type FlagSetEdit, FlagSets } from '@rampart/flag-store';
import { DomainError } from '@rampart/http';
import { ChangeFeed } from '@rampart/jobs';
import { LiveFlagSet } from '../../../apps/api/src/flags/live-flag-set';
import { booleanFlag } from '../../factories';
import { useApi } from '../support/apps';
import { useDatabase } from '../support/data-stores';

/**
 * The flag store's one write path against the real PostgreSQL and Redis: versions without gaps, one
 * winner per version, the audit entry in the same transaction, and the announcement that makes
 * every process follow.
 */
describe('FlagSets: versioned, audited, never a lost edit', () => {
  const api = useApi({ FLAGS_REFRESH_INTERVAL_MS: '60000' });
  const db = useDatabase();

  const flagSets = (): FlagSets => api.get(FlagSets);
  const latest = async (): Promise<number> => (await flagSets().current()).version;
  const versionRows = async (): Promise<number> =>
    Number((await db.rows<{ n: string }>('SELECT count(*) AS n FROM flag_set_versions'))[0]?.n);
  const auditRows = async (): Promise<number> =>
    Number(
      (
        await db.rows<{ n: string }>(
          "SELECT count(*) AS n FROM audit_log WHERE target_type = 'flag_set_version'",
        )
      )[0]?.n,
    );

  const addFlag = (expectedVersion: number, flag = booleanFlag()): FlagSetEdit => ({
    expectedVersion,
    precondition: 'body',
    actor: 'system:tests',
    reason: 'integration test',
    apply: (current) => ({ ...current, flags: { ...current.flags, [flag.key]: flag as never } }),
  });

  /** Waits up to two seconds for `done` to hold. */
  const until = async (done: () => boolean): Promise<void> => {
    const deadline = Date.now() + 2_000;
    while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  };

  const refusal = async (work: Promise<unknown>): Promise<DomainError> => {
    const error: unknown = await work.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    if (!(error instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(error)}`);
    return error;
  };

  it('commits the next version with its audit entry, and announces it', async () => {
    const base = await latest();
    const heard: number[] = [];
    const stop = await api.get(ChangeFeed).subscribe('flags.version', ({ version }) => heard.push(version));
    try {
      const flag = booleanFlag();
      const committed = await flagSets().commit(addFlag(base, flag));
      expect(committed.changed).toBe(true);
      expect(committed.snapshot.version).toBe(base + 1);
      expect(committed.changes).toEqual([
        {
          type: 'flag',
          key: flag.key,
          before: null,
          after: expect.objectContaining({ key: flag.key }) as unknown,
        },
      ]);

      const [row] = await db.rows<{ actor: string; reason: string; changed_keys: string[] }>(
        'SELECT actor, reason, changed_keys FROM flag_set_versions WHERE version = $1',
        [base + 1],
      );
      expect(row).toEqual({
        actor: 'system:tests',
        reason: 'integration test',
        changed_keys: [`flag:${flag.key}`],
      });
      const [entry] = await db.rows<{
        action: string;
        actor: string;
        changes: { after: Record<string, unknown> };
      }>(
        "SELECT action, actor, changes FROM audit_log WHERE target_type = 'flag_set_version' AND target_id = $1",
        [String(base + 1)],
      );
      expect(entry?.action).toBe('flags.changed');
      expect(entry?.actor).toBe('system:tests');
      expect(entry?.changes.after[`flag:${flag.key}`]).toMatchObject({ key: flag.key });

      await until(() => heard.includes(base + 1));
      expect(heard).toContain(base + 1);
    } finally {
      stop();
    }
  });

  it('refuses an edit based on an old version, naming the current one and what changed since', async () => {
    const base = await latest();
    const flag = booleanFlag();
    await flagSets().commit(addFlag(base, flag));
    const [versions, entries] = [await versionRows(), await auditRows()];

    const stale = await refusal(flagSets().commit({ ...addFlag(base), precondition: 'if-match' }));
    expect(stale.status).toBe(412);
    expect(stale.code).toBe('version_conflict');
    expect(stale.extensions).toMatchObject({ currentVersion: base + 1, changedSince: [`flag:${flag.key}`] });
    expect((await refusal(flagSets().commit(addFlag(base)))).status).toBe(409);
    expect([await versionRows(), await auditRows()]).toEqual([versions, entries]);
  });

  it('lets exactly one of many writers based on the same version win; the others write nothing', async () => {
    const base = await latest();
    const [versions, entries] = [await versionRows(), await auditRows()];
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () => flagSets().commit(addFlag(base))),
    );
    const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const lost = outcomes.flatMap((outcome) =>
      outcome.status === 'rejected' ? [outcome.reason as unknown] : [],
    );
    expect(won).toHaveLength(1);
    expect(lost.filter((reason) => !(reason instanceof DomainError)).map(String)).toEqual([]);
    expect(lost.every((reason) => reason instanceof DomainError && reason.code === 'version_conflict')).toBe(
      true,
    );
    expect([await versionRows(), await auditRows()]).toEqual([versions + 1, entries + 1]);
    expect(await latest()).toBe(base + 1);
  });

  it('refuses an invalid set with errors by field, renamed to where the request carried them', async () => {
    const base = await latest();
    const flag = booleanFlag({ defaultVariant: 'missing' });
    const invalid = await refusal(
      flagSets().commit({ ...addFlag(base, flag), renameFields: { [`flags.${flag.key}`]: 'flag' } }),
    );
    expect(invalid.status).toBe(400);
    expect(invalid.code).toBe('validation_failed');
    expect(invalid.extensions.errors).toHaveProperty(['flag.defaultVariant']);
    expect(await latest()).toBe(base);
  });

  it('writes no version for an edit that changes nothing', async () => {
    const base = await latest();
    const unchanged = await flagSets().commit({ ...addFlag(base), apply: (current) => current });
    expect(unchanged).toMatchObject({ changed: false, changes: [] });
    expect(await latest()).toBe(base);
  });

  it('keeps no version when its audit entry fails, and no audit entry when its version fails', async () => {
    const base = await latest();
    const [versions, entries] = [await versionRows(), await auditRows()];

    const audit = jest.spyOn(api.get(AuditLog), 'record').mockRejectedValueOnce(new Error('audit down'));
    await expect(flagSets().commit(addFlag(base))).rejects.toThrow('audit down');
    audit.mockRestore();
    expect([await versionRows(), await auditRows()]).toEqual([versions, entries]);

    const insert = jest
      .spyOn(api.get(FlagSetVersionRepository), 'insert')
      .mockRejectedValueOnce(new Error('insert failed'));
    await expect(flagSets().commit(addFlag(base))).rejects.toThrow('insert failed');
    insert.mockRestore();
    expect([await versionRows(), await auditRows()]).toEqual([versions, entries]);
  });

  it('serves a version this process commits as soon as the commit returns', async () => {
    const base = await latest();
    await flagSets().commit(addFlag(base));
    expect(api.get(LiveFlagSet).current().version).toBe(base + 1);
  });

  it("follows another process's version through the change feed alone", async () => {
    const live = api.get(LiveFlagSet);
    const current = await flagSets().current();
    const flag = booleanFlag();
    // As another process commits: the row (no local listener hears it), then the announcement. The
    // periodic check is set to a minute here, so only the announcement can move this process.
    await api.get(Database).transaction(async (tx) => {
      const inserted = await api.get(FlagSetVersionRepository).insert(
        {
          version: current.version + 1,
          content: { flags: { ...current.flags, [flag.key]: flag as never }, segments: current.segments },
          kind: 'change',
          restoredFrom: null,
          actor: 'system:tests',
          actorId: null,
          reason: 'another process',
          changes: [{ type: 'flag', key: flag.key, before: null, after: flag }],
        },
        tx,
      );
      expect(inserted).toBe(true);
    });
    expect(live.current().version).toBe(current.version);
    await api.get(ChangeFeed).publish('flags.version', { version: current.version + 1 });
    await until(() => live.current().version >= current.version + 1);
    expect(live.current().flags).toHaveProperty([flag.key]);
  });
});
