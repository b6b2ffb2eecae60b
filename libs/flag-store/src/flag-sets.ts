import { Injectable } from '@nestjs/common';
import { type AuditActor, AuditLog } from '@rampart/audit';
import {
  Database,
  type DbTransaction,
  type FlagSetChangeKind,
  type FlagSetContent,
  type FlagSetDiffEntry,
  FlagSetVersionRepository,
  type UnitOfWork,
} from '@rampart/db';
import { type FlagSetSnapshot, validateFlagSet } from '@rampart/flag-evaluation';
import { DomainError, type FieldErrors, validationProblem } from '@rampart/http';
import { ChangeFeed } from '@rampart/jobs';
import { diffFlagSets } from './flag-set-diff';
import { RolloutGuard } from './rollout-guard';

function entriesOf(changes: FlagSetDiffEntry[], side: 'before' | 'after'): Record<string, unknown> {
  return Object.fromEntries(changes.map((entry) => [`${entry.type}:${entry.key}`, entry[side]]));
}

/**
 * Field errors of the whole-set validation, renamed to the request's own fields: an error at
 * `flags.<key>.rules[0]` is reported at `<field>.rules[0]` when the request sent that flag as `<field>`.
 */
function renameFieldErrors(errors: FieldErrors, renames: Record<string, string>): FieldErrors {
  const renamed: FieldErrors = {};
  for (const [path, messages] of Object.entries(errors)) {
    const from = Object.keys(renames).find(
      (prefix) => path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`),
    );
    renamed[from === undefined ? path : renames[from] + path.slice(from.length)] = messages;
  }
  return renamed;
}

export const EMPTY_FLAG_SET: FlagSetContent = { flags: {}, segments: {} };

/** How the caller stated the version its edit is based on; it decides the status of a stale one. */
export type VersionPrecondition = 'if-match' | 'body';

/** One change to the flag set, from whoever makes it: an admin, an operator, the rollout worker. */
export interface FlagSetEdit {
  /** The version the edit was based on. */
  expectedVersion: number;
  precondition: VersionPrecondition;
  actor: AuditActor;
  reason: string;
  kind?: FlagSetChangeKind;
  /** For a rollback: the version whose content it restores (null for "all off"). */
  restoredFrom?: number | null;
  /**
   * Where the request carried what the whole-set validation reports on: `{ 'flags.checkout': 'flag' }`
   * reports `flags.checkout.rules[0]` as `flag.rules[0]`.
   */
  renameFields?: Record<string, string>;
  /** The new content, from the current one; may throw a DomainError (e.g. no such flag). */
  apply(current: FlagSetContent): FlagSetContent;
  /** The rollout making this edit: a running rollout's own flag may change only through it. */
  rolloutId?: string;
  /**
   * More writes in the same transaction, once the version and its audit entry are written (a
   * rollout's state, its decision, an incident): if it throws, nothing of the edit is written.
   * Not called when the edit changes nothing.
   */
  alsoInUnit?: (unit: UnitOfWork, committed: CommittedFlagSet) => Promise<void>;
}

export interface CommittedFlagSet {
  snapshot: FlagSetSnapshot;
  changes: FlagSetDiffEntry[];
  /** False when the edit changed nothing: no version was written. */
  changed: boolean;
}

/**
 * The one way the flag set changes, for both apps. In one transaction: check the edit is based on
 * the newest version, apply it, validate the whole resulting set (prerequisites and segment
 * references span flags), write version N+1 and its audit entry; then announce the version to every
 * process. Two writers based on the same version cannot both win: the version number is the primary
 * key, and the loser's transaction rolls back with nothing written (no version without its audit
 * entry, and no entry without its version).
 */
@Injectable()
export class FlagSets {
  private readonly committedListeners = new Set<(snapshot: FlagSetSnapshot) => void>();

  constructor(
    private readonly database: Database,
    private readonly versions: FlagSetVersionRepository,
    private readonly audit: AuditLog,
    private readonly changes: ChangeFeed,
    private readonly rolloutGuard: RolloutGuard,
  ) {}

  /** Calls `listener` with each version this process commits, right after the commit. */
  onCommitted(listener: (snapshot: FlagSetSnapshot) => void): () => void {
    this.committedListeners.add(listener);
    return () => void this.committedListeners.delete(listener);
  }

  /** The newest committed flag set (version 0, empty, before the first write). */
  async current(): Promise<FlagSetSnapshot> {
    return (await this.newest()).snapshot;
  }

  /** The newest committed flag set and when it committed (null before the first write). */
  async newest(): Promise<{ snapshot: FlagSetSnapshot; committedAt: Date | null }> {
    const latest = await this.versions.latest();
    return latest
      ? { snapshot: { version: latest.version, ...latest.content }, committedAt: latest.createdAt }
      : { snapshot: { version: 0, ...EMPTY_FLAG_SET }, committedAt: null };
  }

  async commit(edit: FlagSetEdit): Promise<CommittedFlagSet> {
    // A stale edit is refused before it takes a connection for a transaction: under a burst of
    // conflicting writers most of them are refused here, cheaply.
    if ((await this.versions.latestNumber()) !== edit.expectedVersion) throw await this.stale(edit);
    return this.database.unitOfWork(async (unit) => {
      const { tx, afterCommit } = unit;
      const latest = await this.versions.latest(tx);
      const current: FlagSetSnapshot = latest
        ? { version: latest.version, ...latest.content }
        : { version: 0, ...EMPTY_FLAG_SET };
      if (edit.expectedVersion !== current.version) throw await this.stale(edit, tx);

      const next = edit.apply({ flags: current.flags, segments: current.segments });
      const version = current.version + 1;
      const validation = validateFlagSet({ version, ...next });
      if (!validation.ok)
        throw validationProblem(renameFieldErrors(validation.errors, edit.renameFields ?? {}));
      const content: FlagSetContent = {
        flags: validation.snapshot.flags,
        segments: validation.snapshot.segments,
      };
      const changes = diffFlagSets(current, content);
      if (!changes.length) return { snapshot: current, changes, changed: false };

      const kind = edit.kind ?? 'change';
      const actorId = typeof edit.actor === 'string' ? null : edit.actor.userId;
      const actor = typeof edit.actor === 'string' ? edit.actor : `user:${edit.actor.userId}`;
      const inserted = await this.versions.insert(
        {
          version,
          content,
          kind,
          restoredFrom: edit.restoredFrom ?? null,
          actor,
          actorId,
          reason: edit.reason,
          changes,
        },
        tx,
      );
      // Another writer committed this number since we read: ours is stale after all.
      if (!inserted) throw await this.stale(edit, tx);
      await this.rolloutGuard.check(
        { actor: edit.actor, actorName: actor, kind, rolloutId: edit.rolloutId, version, changes },
        tx,
      );
      await this.audit.record(
        {
          actor: edit.actor,
          action: kind === 'rollback' ? 'flags.rolled_back' : 'flags.changed',
          target: { type: 'flag_set_version', id: String(version) },
          // Old → new of everything that changed, keyed `flag:<key>` / `segment:<key>`.
          changes: {
            before: { version: current.version, ...entriesOf(changes, 'before') },
            after: {
              version,
              reason: edit.reason,
              ...(kind === 'rollback' ? { restoredFrom: edit.restoredFrom ?? null } : {}),
              ...entriesOf(changes, 'after'),
            },
          },
        },
        tx,
      );
      const snapshot: FlagSetSnapshot = { version, ...content };
      const committed = { snapshot, changes, changed: true };
      if (edit.alsoInUnit) await edit.alsoInUnit(unit, committed);
      afterCommit(async () => {
        // This process first (its next request reads its own write), then every other one.
        for (const listener of this.committedListeners) listener(snapshot);
        await this.changes.publish('flags.version', { version });
      });
      return committed;
    });
  }

  /**
   * The refusal of an edit based on an old version: the current one, and what changed since. Inside
   * a transaction it reads through that transaction: asking the pool for a second connection while
   * holding one would deadlock a burst of writers that together hold the whole pool.
   */
  private async stale(edit: FlagSetEdit, tx?: DbTransaction): Promise<DomainError> {
    const currentVersion = await this.versions.latestNumber(tx);
    const changedSince = await this.versions.changedSince(edit.expectedVersion, tx);
    return new DomainError(
      'version_conflict',
      edit.precondition === 'if-match' ? 412 : 409,
      `The flag set is at version ${currentVersion}, not ${edit.expectedVersion}: read it again and reapply your change.`,
      { currentVersion, expectedVersion: edit.expectedVersion, changedSince },
      { etag: `"${currentVersion}"` },
    );
  }
}
