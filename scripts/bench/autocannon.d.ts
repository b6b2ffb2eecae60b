// The part of autocannon 9's programmatic API the benchmarks use (the package ships no types).
// Referenced from scripts/bench/lib.mts with a triple-slash directive so `npm run typecheck` sees it.
declare module 'autocannon' {
  /** Summary statistics of one of autocannon's HDR histograms (`histAsObj` + `addPercentiles`). */
  export interface HistogramStats {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    total?: number;
    p50: number;
    p75: number;
    p90: number;
    p97_5: number;
    p99: number;
    p99_9: number;
  }

  export interface Result {
    url: string;
    connections: number;
    pipelining: number;
    /** Seconds the run actually took. */
    duration: number;
    samples: number;
    errors: number;
    timeouts: number;
    mismatches: number;
    /** Responses outside 2xx. */
    non2xx: number;
    resets: number;
    '2xx': number;
    statusCodeStats: Record<string, { count: number }>;
    /** Milliseconds; recorded with integer-millisecond resolution, 2xx responses only. */
    latency: HistogramStats & { totalCount: number };
    /** Completed requests per one-second sample. */
    requests: HistogramStats & { sent: number };
    /** Bytes per one-second sample. */
    throughput: HistogramStats;
  }

  /** One connection of a run, as handed to `setupClient`. */
  export interface Client {
    /** Replaces the body of this connection's requests (Content-Length follows). */
    setBody(body: string | Buffer): void;
  }

  export interface Options {
    url: string;
    connections?: number;
    pipelining?: number;
    /** Seconds. */
    duration?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    /** Seconds before a request counts as timed out. */
    timeout?: number;
    /** Called once for each connection as it is created (not in workers mode). */
    setupClient?: (client: Client) => void;
  }

  export interface Instance extends PromiseLike<Result> {
    /** Every response; `responseTime` in milliseconds with sub-millisecond precision. */
    on(
      event: 'response',
      listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void,
    ): this;
    on(event: 'reqError', listener: (error: Error) => void): this;
    stop(): void;
  }

  export default function autocannon(options: Options): Instance;
}
