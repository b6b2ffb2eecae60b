import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { FlagUsageRepository } from '@rampart/db';

/** How often evaluation times go to PostgreSQL: never per evaluation. */
const FLUSH_INTERVAL_MS = 60_000;

/**
 * When flags were last evaluated, kept cheaply: a map in memory per process, written about once a
 * minute (and at shutdown) for the stale-flag report. Losing a minute of it to a crash only makes a
 * flag look unused a minute longer.
 */
@Injectable()
export class FlagUsageRecorder implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(FlagUsageRecorder.name);
  private evaluated = new Map<string, Date>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly usage: FlagUsageRepository) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  record(keys: Iterable<string>): void {
    const now = new Date();
    for (const key of keys) this.evaluated.set(key, now);
  }

  async flush(): Promise<void> {
    if (!this.evaluated.size) return;
    const evaluated = this.evaluated;
    this.evaluated = new Map();
    try {
      await this.usage.recordEvaluations(evaluated);
    } catch (error) {
      this.logger.warn({ err: error }, 'could not record flag evaluations');
    }
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
