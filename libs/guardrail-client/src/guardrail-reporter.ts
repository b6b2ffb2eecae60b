import { randomUUID } from 'node:crypto';
import {
  LATENCY_BUCKET_BOUNDS_MS,
  LATENCY_BUCKET_COUNT,
  MAX_REPORTS_PER_BATCH,
  TELEMETRY_BUCKET_MS,
} from '@rampart/rollout-guardrails';

/** What one request that took a variant ended as. */
export interface RequestOutcome {
  durationMs: number;
  /** The request failed (a 5xx, say): counts towards the error-rate guardrail. */
  failed: boolean;
  /** An exception escaped the variant's code: counts as a failure and as an uncaught exception. */
  exception?: boolean;
}

export interface GuardrailReporterOptions {
  /** Rampart's base URL; batches go to `<url>/v1/telemetry/batches`. */
  url: string;
  /** A server SDK key (`rk_server_…`): client keys are refused, browsers could forge a rollout's errors. */
  serverKey: string;
  /** This process (pod, container): up to 128 of `A-Za-z0-9._:-`, stable for its lifetime. */
  instance: string;
  /** How often closed buckets are sent; 5 s by default. */
  flushIntervalMs?: number;
  /** How often resident memory is sampled for the batch's peak; 1 s by default. */
  memorySampleIntervalMs?: number;
  /** A timeout per send; 5 s by default. */
  timeoutMs?: number;
  /** For tests: the clock and the memory reading. */
  now?: () => number;
  residentMemory?: () => number;
}

/** What a flush did, for logs and tests. */
export type FlushResult =
  | { status: 'idle' }
  | { status: 'sent'; batchId: string; reports: number; answer: number }
  | { status: 'dropped'; batchId: string; reports: number; answer: number }
  | { status: 'retrying'; batchId: string; reports: number; reason: string };

interface Counts {
  requests: number;
  errors: number;
  exceptions: number;
  latency: number[];
}

interface Report extends Counts {
  flag: string;
  variant: string;
  start: number;
}

interface Batch {
  batchId: string;
  instance: string;
  sentAt: number;
  memory?: { bytes: number };
  reports: Report[];
}

/**
 * Counts what each flag variant's requests did, per 10-s bucket, and sends the closed buckets to
 * Rampart's telemetry endpoint, so a rollout can judge its target variant against the control.
 * Exposures are not reported: Rampart counts its own evaluations.
 *
 * Written here rather than taken from a library because the payload is Rampart's own (an OpenFeature
 * provider has no telemetry channel), and its rules are the ones the ingestion enforces:
 * - closed buckets are sent every flush interval; an uncaught exception is sent at once, with the
 *   bucket still filling (Rampart adds a bucket's batches up, and rolls back on an exception without
 *   waiting for its bucket to close), and so is everything on `close()`;
 * - a batch the API did not acknowledge (no answer, 429, 5xx) is resent with the same `batchId`, which
 *   the API counts once; counts made meanwhile wait for the next batch;
 * - at most 500 reports per batch; the rest go next time;
 * - a 4xx other than 429 is final: the batch is dropped, since resending it cannot succeed.
 */
export class GuardrailReporter {
  private counts = new Map<string, Report>();
  private pending: Batch | undefined;
  private memoryPeak = 0;
  private exceptionFlushQueued = false;
  private flushing: Promise<FlushResult> | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly now: () => number;
  private readonly residentMemory: () => number;
  private readonly endpoint: string;

  constructor(private readonly options: GuardrailReporterOptions) {
    this.now = options.now ?? Date.now;
    this.residentMemory = options.residentMemory ?? (() => process.memoryUsage.rss());
    this.endpoint = new URL('/v1/telemetry/batches', options.url).toString();
  }

  /** Starts the flush and memory timers; they never keep the process alive. */
  start(): this {
    this.sampleMemory();
    this.timers.push(
      setInterval(() => void this.flush(), this.options.flushIntervalMs ?? 5_000).unref(),
      setInterval(() => this.sampleMemory(), this.options.memorySampleIntervalMs ?? 1_000).unref(),
    );
    return this;
  }

  /** Stops the timers and sends everything counted, the bucket still filling included. */
  async close(): Promise<FlushResult> {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    await this.flushing;
    return this.flush({ all: true });
  }

  /** Counts one request that was served `variant` of `flag`. */
  record(flag: string, variant: string, outcome: RequestOutcome): void {
    const start = Math.floor(this.now() / TELEMETRY_BUCKET_MS) * TELEMETRY_BUCKET_MS;
    const id = `${flag}\n${variant}\n${start}`;
    let report = this.counts.get(id);
    if (!report) {
      report = {
        flag,
        variant,
        start,
        requests: 0,
        errors: 0,
        exceptions: 0,
        latency: new Array<number>(LATENCY_BUCKET_COUNT).fill(0),
      };
      this.counts.set(id, report);
    }
    report.requests += 1;
    if (outcome.failed || outcome.exception) report.errors += 1;
    if (outcome.exception) report.exceptions += 1;
    report.latency[latencyBucket(outcome.durationMs)]! += 1;
    if (outcome.exception && !this.exceptionFlushQueued) {
      // Once per turn of the event loop: a burst of exceptions goes in one batch.
      this.exceptionFlushQueued = true;
      setImmediate(() => {
        this.exceptionFlushQueued = false;
        void this.flush({ all: true });
      });
    }
  }

  /** Sends the closed buckets (every bucket with `all`), or resends the batch not yet acknowledged. */
  flush(options: { all?: boolean } = {}): Promise<FlushResult> {
    // One send at a time: two overlapping flushes would take the same counts into two batches.
    const previous = this.flushing ?? Promise.resolve<FlushResult>({ status: 'idle' });
    const next = previous.then(() => this.flushOnce(options.all ?? false));
    this.flushing = next;
    return next;
  }

  private async flushOnce(all: boolean): Promise<FlushResult> {
    this.pending ??= this.nextBatch(all);
    const batch = this.pending;
    if (!batch) return { status: 'idle' };
    const reports = batch.reports.length;
    let answer: Response;
    try {
      answer = await fetch(this.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${this.options.serverKey}`,
        },
        body: JSON.stringify(batch),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
      });
      await answer.body?.cancel();
    } catch (error) {
      return { status: 'retrying', batchId: batch.batchId, reports, reason: String(error) };
    }
    if (answer.status === 429 || answer.status >= 500) {
      return { status: 'retrying', batchId: batch.batchId, reports, reason: `HTTP ${answer.status}` };
    }
    this.pending = undefined;
    const outcome = answer.ok ? 'sent' : 'dropped';
    return { status: outcome, batchId: batch.batchId, reports, answer: answer.status };
  }

  /** The closed buckets (all with `all`), at most 500 reports; the rest stay counted. */
  private nextBatch(all: boolean): Batch | undefined {
    const open = Math.floor(this.now() / TELEMETRY_BUCKET_MS) * TELEMETRY_BUCKET_MS;
    const reports: Report[] = [];
    for (const [id, report] of this.counts) {
      if (reports.length === MAX_REPORTS_PER_BATCH) break;
      if (!all && report.start >= open) continue;
      reports.push(report);
      this.counts.delete(id);
    }
    if (reports.length === 0) return undefined;
    const memory = Math.max(this.memoryPeak, this.residentMemory());
    this.memoryPeak = 0;
    return {
      batchId: randomUUID(),
      instance: this.options.instance,
      sentAt: this.now(),
      ...(memory > 0 ? { memory: { bytes: Math.round(memory) } } : {}),
      reports,
    };
  }

  private sampleMemory(): void {
    this.memoryPeak = Math.max(this.memoryPeak, this.residentMemory());
  }
}

/** The index of the latency bucket a duration falls in: the first bound at or above it, else the last. */
export function latencyBucket(durationMs: number): number {
  const index = LATENCY_BUCKET_BOUNDS_MS.findIndex((bound) => durationMs <= bound);
  return index < 0 ? LATENCY_BUCKET_BOUNDS_MS.length : index;
}
