/** In lifecycle order of a rollout that goes well; rolled_back and aborted end it early. */
export const ROLLOUT_STATUSES = [
  'draft',
  'running',
  'paused',
  'completed',
  'rolled_back',
  'aborted',
] as const;
export type RolloutStatus = (typeof ROLLOUT_STATUSES)[number];

/** Statuses a rollout never leaves. */
export const ENDED_ROLLOUT_STATUSES = [
  'completed',
  'rolled_back',
  'aborted',
] as const satisfies RolloutStatus[];

export const ROLLOUT_PAUSE_REASONS = ['manual', 'inconclusive', 'awaiting_approval'] as const;
export type RolloutPauseReason = (typeof ROLLOUT_PAUSE_REASONS)[number];

/**
 * A rollout as stored. `plan`, `guardrailState` and `controlFlag` are JSON this lib does not
 * interpret: the callers parse them (rolloutPlanSchema, flagSchema).
 */
export interface Rollout {
  id: string;
  flagKey: string;
  targetVariant: string;
  plan: unknown;
  status: RolloutStatus;
  pauseReason: RolloutPauseReason | null;
  stageIndex: number;
  stageStartedAt: Date | null;
  extensionsUsed: number;
  guardrailState: unknown;
  controlFlag: unknown;
  requireApproval: boolean;
  /** 1 when created, one more with each change of state: what a change names as the state it is based on. */
  stateVersion: number;
  createdBy: string;
  createdAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  updatedAt: Date;
}

export interface NewRollout {
  flagKey: string;
  targetVariant: string;
  plan: unknown;
  requireApproval: boolean;
  createdBy: string;
}

/** What a change of state may set; stateVersion and updatedAt move by themselves. */
export type RolloutChanges = Partial<
  Pick<
    Rollout,
    | 'status'
    | 'pauseReason'
    | 'stageIndex'
    | 'stageStartedAt'
    | 'extensionsUsed'
    | 'guardrailState'
    | 'controlFlag'
    | 'startedAt'
    | 'endedAt'
  >
>;

export interface RolloutDecisionRecord {
  id: string;
  rolloutId: string;
  seq: number;
  decision: string;
  reason: string;
  evidence: unknown;
  actor: string;
  flagVersion: number | null;
  createdAt: Date;
}

export type NewRolloutDecision = Pick<
  RolloutDecisionRecord,
  'rolloutId' | 'decision' | 'reason' | 'actor'
> & {
  evidence?: unknown;
  flagVersion?: number | null;
};

export interface RolloutListQuery {
  status?: RolloutStatus;
  flagKey?: string;
  page: number;
  pageSize: number;
}
