import { Global, Module } from '@nestjs/common';
import { AuditLog } from './audit-log.service';
import { AuditLogsController } from './audit-logs.controller';

/** The audit log: AuditLog for every feature that records, and the admin endpoints that read it. */
@Global()
@Module({ controllers: [AuditLogsController], providers: [AuditLog], exports: [AuditLog] })
export class AuditModule {}
