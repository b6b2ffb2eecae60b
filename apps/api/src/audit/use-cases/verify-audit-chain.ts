import { Injectable } from '@nestjs/common';
import { AuditLogRepository, type AuditVerification } from '@rampart/db';

/** Walks the hash chain from the first entry and names the first one whose hash or link does not match. */
@Injectable()
export class VerifyAuditChain {
  constructor(private readonly entries: AuditLogRepository) {}

  execute(): Promise<AuditVerification> {
    return this.entries.verify();
  }
}
