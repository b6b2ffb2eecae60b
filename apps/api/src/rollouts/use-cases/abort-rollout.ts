import { Injectable } from '@nestjs/common';
import type { Incident, IncidentSeverity, Rollout } from '@rampart/db';
import type { Flag } from '@rampart/flag-evaluation';
import { validationProblem } from '@rampart/http';
import { IncidentLog } from '@rampart/incidents';
import { servingRestored } from '@rampart/rollout-guardrails';
import { describeStage, RolloutTransitions } from '@rampart/rollouts';
import { actorOf } from '../../identity/principal';
import type { RolloutOperationInput } from './start-rollout';

/** The seed's incident report: what was seen, what may cause it, what happens next. */
export interface IncidentReport {
  title: string;
  severity: IncidentSeverity;
  symptoms: string;
  causeHypothesis: string;
  nextSteps: string;
}

export interface AbortRolloutInput extends RolloutOperationInput {
  /** Required once the rollout has started (it changed the flag); a draft is discarded without one. */
  incident?: IncidentReport;
}

/**
 * The manual rollback: the flag serves again what it served before the rollout (its serving taken
 * from the stored control; other flags and the flag's description stay as they are now) as a new
 * flag-set version, and the incident report is opened, linked to the rollout and that version, in
 * the same transaction. A draft has changed nothing: it is aborted, with nothing to restore.
 */
@Injectable()
export class AbortRollout {
  constructor(
    private readonly transitions: RolloutTransitions,
    private readonly incidents: IncidentLog,
  ) {}

  async execute(input: AbortRolloutInput): Promise<{ rollout: Rollout; incident: Incident | null }> {
    const { actor, rolloutId } = input;
    const seen = await this.transitions.peek(rolloutId);
    const expectedStateVersion = input.expectedStateVersion ?? seen.rollout.stateVersion;
    if (seen.rollout.status === 'draft') {
      const { rollout } = await this.transitions.apply({
        rolloutId,
        expectedStateVersion,
        actor: actorOf(actor),
        operation: 'abort',
        from: ['draft'],
        decision: 'aborted',
        action: 'rollout.aborted',
        reason: 'draft discarded by hand',
        changes: () => ({ status: 'aborted', endedAt: new Date() }),
      });
      return { rollout, incident: null };
    }
    const report = input.incident;
    if (!report) throw validationProblem({ incident: ['a rollback asks for an incident report'] });
    let incident: Incident | null = null;
    const { rollout } = await this.transitions.apply({
      rolloutId,
      expectedStateVersion,
      actor: actorOf(actor),
      operation: 'abort',
      from: ['running', 'paused'],
      decision: 'rolled_back',
      action: 'rollout.rolled_back',
      reason: `rolled back by hand at ${describeStage(seen.plan, seen.rollout.stageIndex)}: ${report.title}`,
      changes: () => ({ status: 'rolled_back', pauseReason: null, endedAt: new Date() }),
      flag: {
        reason: `rollout ${rolloutId}: rolled back to the control (${report.title})`,
        serve: (flag, current) => servingRestored(flag, controlOf(current)),
      },
      also: async (unit, current, flagVersion) => {
        incident = await this.incidents.open(unit, {
          actor: actorOf(actor),
          ...report,
          rolloutId: current.id,
          flagVersions: flagVersion === null ? [] : [flagVersion],
        });
        return { incidentId: incident.id };
      },
    });
    return { rollout, incident };
  }
}

/** The flag as it was when the rollout started; validated then, and again as part of the new set. */
function controlOf(rollout: Rollout): Flag {
  return rollout.controlFlag as Flag;
}
