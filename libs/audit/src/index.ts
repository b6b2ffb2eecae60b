export { AUDIT_ACTIONS, type AuditAction, type AuditTargetOf, type AuditTargetType } from './audit-actions';
export {
  AUDIT_ORIGIN,
  AuditLog,
  type AuditActor,
  type AuditEvent,
  type AuditOrigin,
  type AuditOriginSource,
} from './audit-log';
export { AuditLogModule } from './audit-log.module';
