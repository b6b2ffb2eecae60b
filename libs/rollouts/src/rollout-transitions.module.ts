import { Module } from '@nestjs/common';
import { FlagStoreModule } from '@rampart/flag-store';
import { RolloutTransitions } from './rollout-transitions';

/**
 * Changing a rollout's state, for both apps: the API's operators and the worker's evaluation job (as
 * `system:rollouts`) apply their steps through the same RolloutTransitions. Needs DbModule and
 * AuditLogModule (both global); brings FlagStoreModule itself.
 */
@Module({ imports: [FlagStoreModule], providers: [RolloutTransitions], exports: [RolloutTransitions] })
export class RolloutTransitionsModule {}
