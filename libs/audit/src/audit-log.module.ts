import { Global, Module } from '@nestjs/common';
import { AuditLog } from './audit-log';

/** AuditLog for every feature of either app that records. Needs DbModule in scope. */
@Global()
@Module({ providers: [AuditLog], exports: [AuditLog] })
export class AuditLogModule {}
