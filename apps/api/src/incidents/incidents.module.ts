import { Module } from '@nestjs/common';
import { IncidentLogModule } from '@rampart/incidents';
import { AdminIncidentsController } from './admin-incidents.controller';
import { AddIncidentNote } from './use-cases/add-incident-note';
import { GetIncident } from './use-cases/get-incident';
import { ListIncidents } from './use-cases/list-incidents';
import { OpenIncident } from './use-cases/open-incident';
import { UpdateIncident } from './use-cases/update-incident';

/** Incidents over REST, through the shared IncidentLog the worker's automatic rollback will use too. */
@Module({
  imports: [IncidentLogModule],
  controllers: [AdminIncidentsController],
  providers: [ListIncidents, GetIncident, OpenIncident, UpdateIncident, AddIncidentNote],
  exports: [ListIncidents],
})
export class IncidentsModule {}
