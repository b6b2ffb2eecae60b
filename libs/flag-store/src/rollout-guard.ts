import { Injectable } from '@nestjs/common';
import { type AuditActor, AuditLog } from '@rampart/audit';
import { type DbTransaction, type FlagSetDiffEntry, RolloutRepository } from '@rampart/db';
import type { Flag } from '@rampart/flag-evaluation';
import { DomainError } from '@rampart/http';
import { changesServing } from '@rampart/rollout-guardrails';

/** What the guard needs to know of an edit about to be written. */
export interface GuardedEdit {
  actor: AuditActor;
  /** `user:<id>` or the system/service actor, as the version records it. */
  actorName: string;
  kind: 'change' | 'rollback';
  /** The rollout making the edit: its own flag may change. */
  rolloutId?: string;
  version: number;
  changes: FlagSetDiffEntry[];
}

export function rolloutActive(flagKey: string, rolloutId: string): DomainError {
  return new DomainError(
    'rollout_active',
    409,
    `Flag "${flagKey}" is being rolled out (rollout ${rolloutId}): pause or abort the rollout before changing what the flag serves. The kill switch (enabled: false) always works and aborts the rollout.`,
    { flagKey, rolloutId },
  );
}

/**
 * No tug-of-war between a person and a rollout: while a rollout of a flag runs, only the rollout
 * changes what the flag serves. Checked inside the flag set's transaction, against rollout rows it
 * share-locks, so a rollout changing state cannot slip between the check and the commit. The kill
 * switch and whole-set rollbacks are never refused (an incident must never be blocked): they end
 * the rollout as aborted, in the same transaction, with a decision saying who.
 */
@Injectable()
export class RolloutGuard {
  constructor(
    private readonly rollouts: RolloutRepository,
    private readonly audit: AuditLog,
  ) {}

  async check(edit: GuardedEdit, tx: DbTransaction): Promise<void> {
    const flagChanges = new Map(
      edit.changes.filter((entry) => entry.type === 'flag').map((entry) => [entry.key, entry]),
    );
    const open = await this.rollouts.openForFlags([...flagChanges.keys()], tx);
    for (const rollout of open) {
      if (rollout.id === edit.rolloutId || rollout.status === 'draft') continue;
      const change = flagChanges.get(rollout.flagKey);
      const before = (change?.before ?? null) as Flag | null;
      const after = (change?.after ?? null) as Flag | null;
      const killSwitch = before?.enabled === true && after?.enabled === false;
      if (killSwitch || edit.kind === 'rollback') {
        await this.abort(
          rollout.id,
          rollout.stateVersion,
          killSwitch ? 'kill_switch' : 'flag_set_rollback',
          edit,
          tx,
        );
        continue;
      }
      if (rollout.status !== 'running') continue;
      if (before === null || after === null || changesServing(before, after)) {
        throw rolloutActive(rollout.flagKey, rollout.id);
      }
    }
  }

  private async abort(
    rolloutId: string,
    stateVersion: number,
    cause: 'kill_switch' | 'flag_set_rollback',
    edit: GuardedEdit,
    tx: DbTransaction,
  ): Promise<void> {
    const now = new Date();
    // The row is share-locked by this transaction: nobody else can have moved its state.
    const aborted = await this.rollouts.updateIfState(
      rolloutId,
      stateVersion,
      { status: 'aborted', pauseReason: null, endedAt: now },
      tx,
    );
    if (!aborted) throw new Error(`rollout ${rolloutId} changed under a share lock`);
    const reason =
      cause === 'kill_switch'
        ? `kill switch thrown by ${edit.actorName} (flag-set version ${edit.version})`
        : `flag set rolled back by ${edit.actorName} (flag-set version ${edit.version})`;
    await this.rollouts.addDecision(
      {
        rolloutId,
        decision: 'aborted',
        reason,
        actor: edit.actorName,
        evidence: { cause },
        flagVersion: edit.version,
      },
      tx,
    );
    await this.audit.record(
      {
        actor: edit.actor,
        action: 'rollout.aborted',
        target: { type: 'rollout', id: rolloutId },
        changes: {
          before: { stateVersion },
          after: { status: 'aborted', stateVersion: aborted.stateVersion, cause, flagVersion: edit.version },
        },
      },
      tx,
    );
  }
}
