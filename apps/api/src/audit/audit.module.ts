import { Global, Module } from '@nestjs/common';
import { AUDIT_ORIGIN, AuditLogModule, type AuditOriginSource } from '@rampart/audit';
import { currentRequestContext } from '../identity/request-context';
import { AuditLogsController } from './audit-logs.controller';
import { ExportAuditEntries } from './use-cases/export-audit-entries';
import { ListAuditEntries } from './use-cases/list-audit-entries';
import { VerifyAuditChain } from './use-cases/verify-audit-chain';

/** Each entry the API records carries the request it came from (id, client address, user agent). */
const requestOrigin: AuditOriginSource = {
  current: () => {
    const context = currentRequestContext();
    return context
      ? { requestId: context.requestId, ipAddress: context.ipAddress, userAgent: context.userAgent }
      : undefined;
  },
};

/** The audit log in the API: the shared AuditLog, fed with the request's origin, and the admin endpoints that read it. */
@Global()
@Module({
  imports: [AuditLogModule],
  controllers: [AuditLogsController],
  providers: [
    { provide: AUDIT_ORIGIN, useValue: requestOrigin },
    ListAuditEntries,
    VerifyAuditChain,
    ExportAuditEntries,
  ],
  exports: [AUDIT_ORIGIN, ListAuditEntries],
})
export class AuditModule {}
