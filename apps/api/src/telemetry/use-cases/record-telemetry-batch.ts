import { Injectable } from '@nestjs/common';
import { type FieldErrors, fieldErrorsOf, fieldPath } from '@rampart/flag-evaluation';
import { type RecordOutcome, TelemetryStore, type TelemetryReport } from '@rampart/guardrail-telemetry';
import { DomainError, validationProblem } from '@rampart/http';
import { HOUR_MS, MINUTE_MS } from '@rampart/rollout-guardrails';
import type { ServicePrincipal } from '../../identity/principal';
import { LiveFlagSet } from '../../flags/live-flag-set';
import { telemetryBatchSchema } from '../dto/telemetry-batch.schema';
import { TelemetryMetrics } from '../telemetry.metrics';

/** How old a report may be: a batch held back longer than this is dropped by the client, not stored. */
export const MAX_REPORT_AGE_MS = HOUR_MS;
/** How far ahead of Rampart's clock a report may start: room for clock skew, not for made-up futures. */
export const MAX_REPORT_LEAD_MS = MINUTE_MS;

export interface RecordTelemetryBatchInput {
  caller: ServicePrincipal;
  /** The request body, unchecked. */
  body: unknown;
  /** Rampart's time, ms since the epoch. */
  now: number;
}

export interface RecordTelemetryBatchResult {
  status: RecordOutcome;
  /** Reports of flags or variants the current flag set does not have: accepted and not stored. */
  ignoredReports: number;
}

/**
 * Stores a batch of guardrail telemetry from a guarded service, once per batch id.
 *
 * Only server keys report: a client key sits in browsers and apps, where anyone could forge a
 * rollout's error rate with it. Reports of flags or variants the current flag set does not have are
 * ignored (counted in the answer): the keys in Redis stay bounded by the real flags × variants
 * whatever a client sends, and a report racing a flag's creation loses only its first seconds.
 */
@Injectable()
export class RecordTelemetryBatch {
  constructor(
    private readonly live: LiveFlagSet,
    private readonly store: TelemetryStore,
    private readonly metrics: TelemetryMetrics,
  ) {}

  async execute(input: RecordTelemetryBatchInput): Promise<RecordTelemetryBatchResult> {
    let reports: TelemetryReport[];
    let batch;
    try {
      batch = this.parse(input);
      reports = this.known(batch.reports);
    } catch (error) {
      this.metrics.record('refused');
      throw error;
    }
    const status = await this.store.record({
      credentialId: input.caller.credentialId,
      batchId: batch.batchId,
      instance: batch.instance,
      ...(batch.memory ? { memoryBytes: batch.memory.bytes } : {}),
      reports,
    });
    this.metrics.record(status);
    return { status, ignoredReports: batch.reports.length - reports.length };
  }

  private parse({ caller, body, now }: RecordTelemetryBatchInput) {
    if (caller.credentialKind !== 'server') {
      throw new DomainError(
        'server_key_required',
        403,
        'Telemetry is reported with a server SDK key; client keys are public and cannot report.',
      );
    }
    const parsed = telemetryBatchSchema.safeParse(body);
    if (!parsed.success) throw validationProblem(fieldErrorsOf(parsed.error));
    const outOfRange: FieldErrors = {};
    parsed.data.reports.forEach((report, index) => {
      if (report.start < now - MAX_REPORT_AGE_MS || report.start > now + MAX_REPORT_LEAD_MS) {
        outOfRange[fieldPath(['reports', index, 'start'])] = [
          'must be within the last hour and at most a minute ahead of the server clock',
        ];
      }
    });
    if (Object.keys(outOfRange).length) {
      throw new DomainError(
        'telemetry_report_out_of_range',
        422,
        'Reports must start within the last hour and at most a minute ahead; drop this batch rather than retry it.',
        { errors: outOfRange },
      );
    }
    return parsed.data;
  }

  /** The reports of flags and variants the flag set has now. */
  private known(reports: readonly TelemetryReport[]): TelemetryReport[] {
    const { flags } = this.live.current();
    return reports.filter((report) => {
      const flag = Object.hasOwn(flags, report.flag) ? flags[report.flag] : undefined;
      return flag !== undefined && Object.hasOwn(flag.variants, report.variant);
    });
  }
}
