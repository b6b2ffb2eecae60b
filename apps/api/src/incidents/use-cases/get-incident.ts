import { Injectable } from '@nestjs/common';
import { type Incident, type IncidentEntry, IncidentRepository } from '@rampart/db';
import { incidentNotFound } from '@rampart/incidents';

export interface GetIncidentInput {
  incidentId: string;
}

/** An incident with its whole timeline, oldest entry first. */
@Injectable()
export class GetIncident {
  constructor(private readonly incidents: IncidentRepository) {}

  async execute({
    incidentId,
  }: GetIncidentInput): Promise<{ incident: Incident; timeline: IncidentEntry[] }> {
    const incident = await this.incidents.find(incidentId);
    if (!incident) throw incidentNotFound();
    return { incident, timeline: await this.incidents.timeline(incidentId) };
  }
}
