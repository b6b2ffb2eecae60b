import { Injectable } from '@nestjs/common';
import { type Incident, type IncidentListQuery, IncidentRepository } from '@rampart/db';

export type ListIncidentsInput = IncidentListQuery;

/** One page of incidents, newest first, filtered by status and severity, with the total that match. */
@Injectable()
export class ListIncidents {
  constructor(private readonly incidents: IncidentRepository) {}

  execute(input: ListIncidentsInput): Promise<{ items: Incident[]; total: number }> {
    return this.incidents.list(input);
  }
}
