import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ApiConfig } from '@rampart/config';
import { FlagSetVersionRepository } from '@rampart/db';
import type { FlagSetSnapshot } from '@rampart/flag-evaluation';
import { EMPTY_FLAG_SET, FlagSets } from '@rampart/flag-store';
import { ChangeFeed } from '@rampart/jobs';
import { Metrics } from '@rampart/observability';

/**
 * The flag set this process serves, held in memory: evaluation never touches PostgreSQL or Redis.
 * A version this process commits is served at once. It follows the others' versions two ways. The change feed announces each version as it commits, and
 * the process loads it at once. Independently, every FLAGS_REFRESH_INTERVAL_MS it asks PostgreSQL for
 * the newest version number (one indexed aggregate), which catches a lost announcement or a Redis
 * outage. The snapshot is replaced whole, by one assignment, so a request sees one version
 * throughout. `stalenessMs` is how long the process has been unable to confirm it is current;
 * readiness fails past FLAGS_MAX_STALENESS_MS.
 *
 * Metrics: `flag_set_version` (what this process serves) and `flag_set_propagation_seconds`, the
 * time from another process's commit to this one serving it (a version committed here is served at
 * its commit, so it is not observed).
 */
@Injectable()
export class LiveFlagSet implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(LiveFlagSet.name);
  private snapshot: FlagSetSnapshot = { version: 0, ...EMPTY_FLAG_SET };
  /** When PostgreSQL last confirmed that no newer version exists (0: never). */
  private confirmedAt = 0;
  private loading: Promise<void> | undefined;
  private loadAgain = false;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly listeners = new Set<(snapshot: FlagSetSnapshot) => void>();
  private readonly propagation;

  constructor(
    private readonly config: ApiConfig,
    private readonly versions: FlagSetVersionRepository,
    private readonly flagSets: FlagSets,
    private readonly changes: ChangeFeed,
    metrics: Metrics,
  ) {
    const live = (): FlagSetSnapshot => this.snapshot;
    metrics.gauge({
      name: 'flag_set_version',
      help: 'The flag-set version this process serves.',
      collect() {
        this.set(live().version);
      },
    });
    this.propagation = metrics.histogram({
      name: 'flag_set_propagation_seconds',
      help: 'From a flag-set version committing in another process to this process serving it.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60],
    });
  }

  current(): FlagSetSnapshot {
    return this.snapshot;
  }

  /** Calls `listener` with each newer snapshot this process starts serving, until the returned function is called. */
  onChange(listener: (snapshot: FlagSetSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Milliseconds since this process last confirmed it serves the newest version. */
  stalenessMs(): number {
    return this.confirmedAt ? Date.now() - this.confirmedAt : Number.POSITIVE_INFINITY;
  }

  async onApplicationBootstrap(): Promise<void> {
    const fromFeed = await this.changes.subscribe('flags.version', ({ version }) => {
      if (version > this.snapshot.version) void this.load();
    });
    // What this process commits it serves at once, without waiting for its own announcement.
    const fromHere = this.flagSets.onCommitted((snapshot) => {
      if (snapshot.version > this.snapshot.version) this.swap(snapshot);
    });
    this.unsubscribe = () => {
      fromFeed();
      fromHere();
    };
    await this.check();
    this.timer = setInterval(() => void this.check(), this.config.flags.refreshIntervalMs);
    this.timer.unref();
  }

  /** Asks PostgreSQL for the newest version number, and loads it when it is newer than ours. */
  async check(): Promise<void> {
    try {
      const started = Date.now();
      const newest = await this.versions.latestNumber();
      if (newest > this.snapshot.version) await this.load();
      if (this.snapshot.version >= newest) this.confirmedAt = started;
    } catch (error) {
      this.logger.warn({ err: error }, 'could not check for a newer flag set; serving the one in memory');
    }
  }

  /**
   * Loads the newest version. Callers during a load share it, and it loads once more when one of
   * them came in after it started (its version may have committed after the read).
   */
  private load(): Promise<void> {
    if (this.loading) {
      this.loadAgain = true;
      return this.loading;
    }
    this.loading = (async () => {
      do {
        this.loadAgain = false;
        try {
          const { snapshot, committedAt } = await this.flagSets.newest();
          if (snapshot.version > this.snapshot.version) {
            this.swap(snapshot);
            // Not the start-up load: that version may have committed days ago.
            if (committedAt && this.confirmedAt) {
              this.propagation.observe(Math.max(0, Date.now() - committedAt.getTime()) / 1_000);
            }
          }
        } catch (error) {
          this.logger.warn({ err: error }, 'could not load the newest flag set; serving the one in memory');
        }
      } while (this.loadAgain);
    })().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private swap(snapshot: FlagSetSnapshot): void {
    this.snapshot = snapshot;
    for (const listener of this.listeners) {
      try {
        listener(snapshot);
      } catch (error) {
        this.logger.error({ err: error }, 'flag-set listener failed');
      }
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.unsubscribe?.();
  }
}
