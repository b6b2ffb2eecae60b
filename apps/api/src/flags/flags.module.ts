import { Module } from '@nestjs/common';
import { FlagStoreModule } from '@rampart/flag-store';
import { GuardrailTelemetryModule } from '@rampart/guardrail-telemetry';
import { AdminFlagsController } from './admin-flags.controller';
import { AdminSegmentsController } from './admin-segments.controller';
import { FlagUsageRecorder } from './flag-usage-recorder';
import { LiveFlagSet } from './live-flag-set';
import { EventStreamTokens } from './event-stream-tokens';
import { ExposureTally } from './exposure-tally';
import { OfrepEventsController } from './ofrep-events.controller';
import { OfrepController } from './ofrep.controller';
import { OwnFlagsController } from './own-flags.controller';
import { CreateFlag } from './use-cases/create-flag';
import { CreateSegment } from './use-cases/create-segment';
import { DeleteSegment } from './use-cases/delete-segment';
import { EvaluateFlag } from './use-cases/evaluate-flag';
import { EvaluateFlags } from './use-cases/evaluate-flags';
import { EvaluateOwnFlags } from './use-cases/evaluate-own-flags';
import { GetFlagSet } from './use-cases/get-flag-set';
import { ListFlagHistory } from './use-cases/list-flag-history';
import { ListStaleFlags } from './use-cases/list-stale-flags';
import { RollBackFlags } from './use-cases/roll-back-flags';
import { SetFlagArchived } from './use-cases/set-flag-archived';
import { SetFlagEnabled } from './use-cases/set-flag-enabled';
import { UpdateFlag } from './use-cases/update-flag';
import { UpdateFlags } from './use-cases/update-flags';
import { UpdateSegment } from './use-cases/update-segment';

/** Feature flags: the admin API over the shared flag store, and the flag set this process serves from memory. */
@Module({
  imports: [FlagStoreModule, GuardrailTelemetryModule],
  controllers: [
    AdminFlagsController,
    AdminSegmentsController,
    OwnFlagsController,
    OfrepController,
    OfrepEventsController,
  ],
  providers: [
    LiveFlagSet,
    EventStreamTokens,
    FlagUsageRecorder,
    ExposureTally,
    GetFlagSet,
    ListStaleFlags,
    CreateFlag,
    UpdateFlag,
    UpdateFlags,
    SetFlagEnabled,
    SetFlagArchived,
    RollBackFlags,
    ListFlagHistory,
    CreateSegment,
    UpdateSegment,
    DeleteSegment,
    EvaluateOwnFlags,
    EvaluateFlag,
    EvaluateFlags,
  ],
  exports: [LiveFlagSet, ListFlagHistory],
})
export class FlagsModule {}
