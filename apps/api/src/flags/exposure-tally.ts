import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { type ExposureCount, TelemetryStore, bucketStart } from '@rampart/guardrail-telemetry';
import { innerMap } from '@rampart/observability';

/** How often the counts go to Redis: evaluations are the hot path, so never one write per evaluation. */
const FLUSH_INTERVAL_MS = 1_000;

/**
 * How often this process served each variant of each flag, per 10-s bucket: the exposures a
 * guardrail compares reported requests with. Counted in a map in memory and added to the telemetry
 * buckets about once a second (one pipelined round trip). The map holds at most the flags × variants
 * served in a second or two, so it stays small; a flush that fails drops its second of counts (a
 * warning says so) rather than piling them up while Redis is away.
 */
@Injectable()
export class ExposureTally implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ExposureTally.name);
  /**
   * By bucket start, flag and variant: keyed by the flag set's own strings, so counting an
   * evaluation builds no string (a composite key was most of this class's cost in a bulk evaluation).
   */
  private counts = new Map<number, Map<string, Map<string, ExposureCount>>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly store: TelemetryStore) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  /** One evaluation that served `variant` of `flag` at `at` (ms since the epoch). */
  add(flag: string, variant: string, at: number): void {
    const start = bucketStart(at);
    const byVariant = innerMap(innerMap(this.counts, start), flag);
    const known = byVariant.get(variant);
    if (known) known.count += 1;
    else byVariant.set(variant, { flag, variant, at: start, count: 1 });
  }

  async flush(): Promise<void> {
    if (!this.counts.size) return;
    const counts = [...this.counts.values()].flatMap((byFlag) =>
      [...byFlag.values()].flatMap((byVariant) => [...byVariant.values()]),
    );
    this.counts = new Map();
    try {
      await this.store.recordExposures(counts);
    } catch (error) {
      this.logger.warn({ err: error, dropped: counts.length }, 'could not record flag exposures');
    }
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
