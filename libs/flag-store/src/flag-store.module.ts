import { Module } from '@nestjs/common';
import { FlagSets } from './flag-sets';

/** Writing and reading the flag set, for both apps. Needs DbModule, JobsModule and AuditLogModule (all global). */
@Module({ providers: [FlagSets], exports: [FlagSets] })
export class FlagStoreModule {}
