import { Module } from '@nestjs/common';
import { FlagStoreModule } from '@rampart/flag-store';
import { IncidentLogModule } from '@rampart/incidents';
import { RolloutTransitionsModule } from '@rampart/rollouts';
import { AdminRolloutsController } from './admin-rollouts.controller';
import { AbortRollout } from './use-cases/abort-rollout';
import { AdvanceRollout } from './use-cases/advance-rollout';
import { CreateRollout } from './use-cases/create-rollout';
import { GetRollout } from './use-cases/get-rollout';
import { ListRolloutDecisions } from './use-cases/list-rollout-decisions';
import { ListRollouts } from './use-cases/list-rollouts';
import { PauseRollout } from './use-cases/pause-rollout';
import { ResumeRollout } from './use-cases/resume-rollout';
import { StartRollout } from './use-cases/start-rollout';

/** Canary rollouts over REST; every stage change is a flag-set version written through FlagSets. */
@Module({
  imports: [FlagStoreModule, IncidentLogModule, RolloutTransitionsModule],
  controllers: [AdminRolloutsController],
  providers: [
    CreateRollout,
    ListRollouts,
    GetRollout,
    ListRolloutDecisions,
    StartRollout,
    PauseRollout,
    ResumeRollout,
    AdvanceRollout,
    AbortRollout,
  ],
  exports: [ListRollouts, ListRolloutDecisions],
})
export class RolloutsModule {}
