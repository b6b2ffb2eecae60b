import { Injectable } from '@nestjs/common';
import { UserRepository } from '@rampart/db';
import { type EvaluationResult, evaluateAll } from '@rampart/flag-evaluation';
import { DomainError } from '@rampart/http';
import type { UserPrincipal } from '../../identity/principal';
import { FlagUsageRecorder } from '../flag-usage-recorder';
import { LiveFlagSet } from '../live-flag-set';

export interface EvaluateOwnFlagsInput {
  user: UserPrincipal;
}

export interface OwnFlags {
  version: number;
  /** The evaluation context the server built, so a client can see what it was targeted by. */
  context: Record<string, string>;
  flags: EvaluationResult[];
}

/**
 * Every live flag for the signed-in user, evaluated in memory with a context the server builds from
 * the verified principal (user id, role, e-mail domain): nothing the client sends can change whom
 * it is taken for.
 */
@Injectable()
export class EvaluateOwnFlags {
  constructor(
    private readonly live: LiveFlagSet,
    private readonly users: UserRepository,
    private readonly usage: FlagUsageRecorder,
  ) {}

  async execute({ user }: EvaluateOwnFlagsInput): Promise<OwnFlags> {
    const account = await this.users.findById(user.userId);
    if (!account) throw new DomainError('token_revoked', 401, 'The session has ended; sign in again.');
    const context = {
      targetingKey: user.userId,
      userId: user.userId,
      role: user.role,
      emailDomain: account.email.slice(account.email.lastIndexOf('@') + 1),
    };
    const snapshot = this.live.current();
    const evaluation = evaluateAll(snapshot, context, undefined, { now: new Date() });
    // The context is built here and always valid; a failure would be a defect, not bad input.
    if (!evaluation.ok) throw new Error(`own-flags context refused: ${evaluation.errorDetails}`);
    this.usage.record(evaluation.flags);
    return { version: evaluation.version, context, flags: evaluation.flags };
  }
}
