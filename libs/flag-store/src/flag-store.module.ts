import { Module } from '@nestjs/common';
import { FlagSets } from './flag-sets';
import { RolloutGuard } from './rollout-guard';

/** Writing and reading the flag set, for both apps. Needs DbModule, JobsModule and AuditLogModule (all global). */
@Module({ providers: [FlagSets, RolloutGuard], exports: [FlagSets] })
export class FlagStoreModule {}
