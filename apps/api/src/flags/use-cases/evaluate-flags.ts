import { Injectable } from '@nestjs/common';
import { type BulkEvaluation, clientVisibleOnly, evaluateAll } from '@rampart/flag-evaluation';
import type { ServicePrincipal } from '../../identity/principal';
import { FlagUsageRecorder } from '../flag-usage-recorder';
import { LiveFlagSet } from '../live-flag-set';

export interface EvaluateFlagsInput {
  caller: ServicePrincipal;
  context: unknown;
}

/** Every live flag the caller may see, for a client SDK's cache, from memory. */
@Injectable()
export class EvaluateFlags {
  constructor(
    private readonly live: LiveFlagSet,
    private readonly usage: FlagUsageRecorder,
  ) {}

  /** The version of the flag set this process serves now. */
  currentVersion(): number {
    return this.live.current().version;
  }

  execute({ caller, context }: EvaluateFlagsInput): BulkEvaluation {
    const filter = caller.credentialKind === 'client' ? clientVisibleOnly : undefined;
    const evaluation = evaluateAll(this.live.current(), context, filter, { now: new Date() });
    if (evaluation.ok) this.usage.record(evaluation.flags);
    return evaluation;
  }
}
