import { Injectable } from '@nestjs/common';
import { Database, type IncidentEntry } from '@rampart/db';
import { IncidentLog } from '@rampart/incidents';
import { type Principal, actorOf } from '../../identity/principal';

export interface AddIncidentNoteInput {
  actor: Principal;
  incidentId: string;
  body: string;
}

/**
 * A note on an incident's timeline, audited. It does not change the incident's version: notes from
 * several people at once never conflict with each other or with an edit.
 */
@Injectable()
export class AddIncidentNote {
  constructor(
    private readonly database: Database,
    private readonly incidents: IncidentLog,
  ) {}

  execute({ actor, ...note }: AddIncidentNoteInput): Promise<IncidentEntry> {
    return this.database.unitOfWork((unit) =>
      this.incidents.addNote(unit, { actor: actorOf(actor), ...note }),
    );
  }
}
