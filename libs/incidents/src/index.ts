export {
  IncidentLog,
  incidentNotFound,
  type EditedIncident,
  type IncidentEdit,
  type IncidentOpening,
  type IncidentPrecondition,
} from './incident-log';
export { IncidentLogModule } from './incident-log.module';
