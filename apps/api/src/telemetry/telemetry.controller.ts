import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../access/access.decorators';
import { CurrentPrincipal } from '../identity/current-principal';
import { Permission } from '../identity/permissions';
import type { Principal, ServicePrincipal } from '../identity/principal';
import { RateLimit } from '../rate-limit/rate-limit.decorators';
import { RecordTelemetryBatch, type RecordTelemetryBatchResult } from './use-cases/record-telemetry-batch';

/** Only SDK keys hold `flags:evaluate`; the guard has refused every other caller already. */
function serviceOf(principal: Principal): ServicePrincipal {
  if (principal.kind !== 'service') throw new Error('telemetry reached by a user principal');
  return principal;
}

/**
 * Guardrail telemetry from the guarded services, for canary rollouts (docs/rollouts.md). The SDK
 * key that evaluates flags reports too (`flags:evaluate`), a server key only; its own rate limit.
 */
@ApiTags('telemetry')
@Controller({ path: 'telemetry', version: '1' })
@RequirePermission(Permission.FlagsEvaluate)
@RateLimit('telemetry')
@ApiHeader({
  name: 'X-API-Key',
  required: false,
  description: 'A server SDK key (or send it as a bearer token).',
})
export class TelemetryController {
  constructor(private readonly recordBatch: RecordTelemetryBatch) {}

  /** One batch; a retry with the same `batchId` answers `duplicate` and counts nothing twice. */
  @Post('batches')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({ description: '`{ status: "accepted" | "duplicate", ignoredReports }`' })
  record(
    @CurrentPrincipal() principal: Principal,
    @Body() body: unknown,
  ): Promise<RecordTelemetryBatchResult> {
    return this.recordBatch.execute({ caller: serviceOf(principal), body, now: Date.now() });
  }
}
