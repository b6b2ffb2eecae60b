import { Injectable } from '@nestjs/common';
import { type BulkEvaluation, clientVisibleOnly, evaluateAll } from '@rampart/flag-evaluation';
import type { ServicePrincipal } from '../../identity/principal';
import { LiveFlagSet } from '../live-flag-set';

export interface EvaluateFlagsInput {
  caller: ServicePrincipal;
  context: unknown;
}

/** Every live flag the caller may see, for a client SDK's cache, from memory. */
@Injectable()
export class EvaluateFlags {
  constructor(private readonly live: LiveFlagSet) {}

  execute({ caller, context }: EvaluateFlagsInput): BulkEvaluation {
    const filter = caller.credentialKind === 'client' ? clientVisibleOnly : undefined;
    return evaluateAll(this.live.current(), context, filter, { now: new Date() });
  }
}
