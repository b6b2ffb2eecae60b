import { Injectable } from '@nestjs/common';
import { Database, type IncidentFields, type IncidentStatus } from '@rampart/db';
import { type EditedIncident, IncidentLog, type IncidentPrecondition } from '@rampart/incidents';
import { type Principal, actorOf } from '../../identity/principal';

export interface UpdateIncidentInput {
  actor: Principal;
  incidentId: string;
  /** The version the caller read (If-Match or the body's expectedVersion). */
  expectedVersion: number;
  precondition: IncidentPrecondition;
  fields: Partial<IncidentFields>;
  status?: IncidentStatus;
}

/**
 * Edits an incident and/or moves it forward, if nobody changed it since the caller read it; each
 * kind of change a timeline entry, with the audit entry in the same transaction.
 */
@Injectable()
export class UpdateIncident {
  constructor(
    private readonly database: Database,
    private readonly incidents: IncidentLog,
  ) {}

  execute({ actor, status, ...edit }: UpdateIncidentInput): Promise<EditedIncident> {
    return this.database.unitOfWork((unit) =>
      this.incidents.update(unit, { ...edit, actor: actorOf(actor), ...(status ? { status } : {}) }),
    );
  }
}
