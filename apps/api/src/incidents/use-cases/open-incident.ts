import { Injectable } from '@nestjs/common';
import { Database, type Incident, type IncidentSeverity } from '@rampart/db';
import { IncidentLog } from '@rampart/incidents';
import { type Principal, actorOf } from '../../identity/principal';

export interface OpenIncidentInput {
  actor: Principal;
  title: string;
  severity: IncidentSeverity;
  symptoms?: string;
  causeHypothesis?: string;
  nextSteps?: string;
  rolloutId?: string | null;
  flagVersions?: number[];
  auditEntryIds?: string[];
}

/** Opens an incident by hand (the manual rollback procedure asks for one): with its first timeline entry, audited. */
@Injectable()
export class OpenIncident {
  constructor(
    private readonly database: Database,
    private readonly incidents: IncidentLog,
  ) {}

  execute({ actor, ...opening }: OpenIncidentInput): Promise<Incident> {
    return this.database.unitOfWork((unit) =>
      this.incidents.open(unit, { actor: actorOf(actor), ...opening }),
    );
  }
}
