import { Injectable } from '@nestjs/common';
import { type EvaluationResult, evaluate } from '@rampart/flag-evaluation';
import type { ServicePrincipal } from '../../identity/principal';
import { FlagUsageRecorder } from '../flag-usage-recorder';
import { LiveFlagSet } from '../live-flag-set';

export interface EvaluateFlagInput {
  caller: ServicePrincipal;
  key: string;
  /** The request's `context`, unchecked: the evaluator refuses what is not a valid context. */
  context: unknown;
}

/** One flag for an SDK, from memory. A client key cannot see flags that are not client-visible. */
@Injectable()
export class EvaluateFlag {
  constructor(
    private readonly live: LiveFlagSet,
    private readonly usage: FlagUsageRecorder,
  ) {}

  execute({ caller, key, context }: EvaluateFlagInput): EvaluationResult {
    const snapshot = this.live.current();
    const flag = Object.hasOwn(snapshot.flags, key) ? snapshot.flags[key] : undefined;
    if (caller.credentialKind === 'client' && flag && !flag.clientVisible) {
      const hidden: EvaluationResult = {
        key,
        value: null,
        variant: null,
        reason: 'ERROR',
        errorCode: 'FLAG_NOT_FOUND',
        errorDetails: `Flag '${key}' was not found`,
        metadata: {},
      };
      this.usage.record([hidden]);
      return hidden;
    }
    const result = evaluate(snapshot, key, context, { now: new Date() });
    this.usage.record([result]);
    return result;
  }
}
