import { Injectable } from '@nestjs/common';
import { AuditLog } from '@rampart/audit';
import { Database, type Rollout, RolloutRepository } from '@rampart/db';
import { type FieldErrors, fieldErrorsOf } from '@rampart/flag-evaluation';
import { FlagSets } from '@rampart/flag-store';
import { DomainError, validationProblem } from '@rampart/http';
import { type RolloutPlan, rolloutPlanSchema, seedPlan } from '@rampart/rollout-guardrails';
import { type Principal, actorOf } from '../../identity/principal';

export interface CreateRolloutInput {
  actor: Principal;
  flagKey: string;
  targetVariant: string;
  /** Either a plan, or the seed template with its allowlist segments. */
  plan?: unknown;
  template?: 'seed';
  allowlistSegments?: string[];
  requireApproval?: boolean;
}

function prefixed(errors: FieldErrors, prefix: string): FieldErrors {
  return Object.fromEntries(
    Object.entries(errors).map(([path, messages]) => [
      path.startsWith('[') ? prefix + path : `${prefix}.${path}`,
      messages,
    ]),
  );
}

/**
 * A draft rollout of one flag to one of its variants: checked against the flag set as it is now (the
 * flag exists, has the variant, the stages' segments exist, percentages are whole numbers rules can
 * take). At most one rollout per flag that has not ended.
 */
@Injectable()
export class CreateRollout {
  constructor(
    private readonly database: Database,
    private readonly rollouts: RolloutRepository,
    private readonly flagSets: FlagSets,
    private readonly audit: AuditLog,
  ) {}

  async execute(input: CreateRolloutInput): Promise<Rollout> {
    const plan = this.planOf(input);
    const current = await this.flagSets.current();
    const errors: FieldErrors = {};
    const flag = Object.hasOwn(current.flags, input.flagKey) ? current.flags[input.flagKey] : undefined;
    if (!flag || flag.archived) errors.flagKey = [`there is no flag "${input.flagKey}" in the flag set`];
    else if (!Object.hasOwn(flag.variants, input.targetVariant))
      errors.targetVariant = [`flag "${input.flagKey}" has no variant "${input.targetVariant}"`];
    const planField = input.template === 'seed' ? 'allowlistSegments' : 'plan';
    plan.stages.forEach((stage, index) => {
      if (!Number.isInteger(stage.percentage))
        errors[`plan.stages[${index}].percentage`] = ['must be a whole number: rules take whole percentages'];
      stage.segments.forEach((segment, segmentIndex) => {
        if (!Object.hasOwn(current.segments, segment)) {
          const path =
            planField === 'plan'
              ? `plan.stages[${index}].segments[${segmentIndex}]`
              : `allowlistSegments[${segmentIndex}]`;
          errors[path] = [`there is no segment "${segment}" in the set`];
        }
      });
    });
    if (Object.keys(errors).length) throw validationProblem(errors);

    const actor = actorOf(input.actor);
    const createdBy = typeof actor === 'string' ? actor : `user:${actor.userId}`;
    return this.database.unitOfWork(async ({ tx }) => {
      const rollout = await this.rollouts.create(
        {
          flagKey: input.flagKey,
          targetVariant: input.targetVariant,
          plan,
          requireApproval: input.requireApproval ?? false,
          createdBy,
        },
        tx,
      );
      if (!rollout) {
        throw new DomainError(
          'rollout_active',
          409,
          `Flag "${input.flagKey}" already has a rollout that has not ended: finish or abort it first.`,
          { flagKey: input.flagKey },
        );
      }
      await this.rollouts.addDecision(
        { rolloutId: rollout.id, decision: 'created', reason: 'created as a draft', actor: createdBy },
        tx,
      );
      await this.audit.record(
        {
          actor,
          action: 'rollout.created',
          target: { type: 'rollout', id: rollout.id },
          changes: {
            after: {
              flagKey: rollout.flagKey,
              targetVariant: rollout.targetVariant,
              plan,
              requireApproval: rollout.requireApproval,
            },
          },
        },
        tx,
      );
      return rollout;
    });
  }

  private planOf(input: CreateRolloutInput): RolloutPlan {
    if (input.template === 'seed') {
      if (input.plan !== undefined)
        throw validationProblem({ plan: ['give a plan or a template, not both'] });
      const parsed = rolloutPlanSchema.safeParse(seedPlan(input.allowlistSegments ?? []));
      if (!parsed.success) {
        throw validationProblem({
          allowlistSegments: ['the seed template needs at least one allowlist segment'],
        });
      }
      return parsed.data;
    }
    if (input.plan === undefined) throw validationProblem({ plan: ['give a plan, or template: "seed"'] });
    const parsed = rolloutPlanSchema.safeParse(input.plan);
    if (!parsed.success) throw validationProblem(prefixed(fieldErrorsOf(parsed.error), 'plan'));
    return parsed.data;
  }
}
