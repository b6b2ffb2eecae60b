import { Module } from '@nestjs/common';
import { IncidentLog } from './incident-log';

/** Writing incidents, for both apps. Needs DbModule and AuditLogModule (both global). */
@Module({ providers: [IncidentLog], exports: [IncidentLog] })
export class IncidentLogModule {}
