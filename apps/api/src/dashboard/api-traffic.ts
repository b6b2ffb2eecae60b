import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { RuntimeConfig } from '@rampart/config';
import { BUCKET_MS, bucketStart } from '@rampart/guardrail-telemetry';
import { RedisConnections } from '@rampart/jobs';
import {
  LATENCY_BUCKET_BOUNDS_MS,
  LATENCY_BUCKET_COUNT,
  MINUTE_MS,
  estimateQuantileMs,
} from '@rampart/rollout-guardrails';

/** The span the dashboard reports the API's error rate and p95 over. */
export const API_TRAFFIC_WINDOW_MS = 10 * MINUTE_MS;
/** Longer than the window, so a bucket outlives every read that needs it, then goes by itself. */
export const API_TRAFFIC_TTL_MS = 15 * MINUTE_MS;
/** How often a process adds its counts to Redis: never a write per request. */
const FLUSH_INTERVAL_MS = 1_000;
const LATENCY_FIELDS = Array.from({ length: LATENCY_BUCKET_COUNT }, (_, index) => `l${index}`);

interface BucketCounts {
  requests: number;
  errors: number;
  /** Not cumulative: per bucket of LATENCY_BUCKET_BOUNDS_MS, then one above the last. */
  latency: number[];
}

/** The API's answers over the window, across every process that flushed into it. */
export interface ApiTrafficWindow {
  windowMs: number;
  requests: number;
  /** Answers with a 5xx status. */
  errors: number;
  /** errors / requests; null with no requests. */
  errorRate: number | null;
  /** Estimated from the latency buckets (linear within a bucket); null with no requests. */
  p95Ms: number | null;
}

const emptyCounts = (): BucketCounts => ({
  requests: 0,
  errors: 0,
  latency: new Array<number>(LATENCY_BUCKET_COUNT).fill(0),
});

function latencyIndex(ms: number): number {
  for (let index = 0; index < LATENCY_BUCKET_BOUNDS_MS.length; index += 1) {
    if (ms <= LATENCY_BUCKET_BOUNDS_MS[index]!) return index;
  }
  return LATENCY_BUCKET_BOUNDS_MS.length;
}

const countOf = (value: string | undefined): number => {
  const count = Number(value ?? 0);
  return Number.isSafeInteger(count) && count > 0 ? count : 0;
};

/**
 * The deployment's own error rate and p95 for the dashboard, across every API process: prom-client's
 * HTTP metrics are per process, and the dashboard has no Prometheus to ask.
 *
 * Each process counts its answers per 10-s bucket in memory (requests, 5xx, and the guardrail
 * telemetry's latency buckets, which are the HTTP histogram's bounds) from an onResponse hook: one
 * map lookup and three increments per request, no Redis. About once a second it adds them to
 * `<REDIS_KEY_PREFIX>:api-traffic:<bucket start ms>` hashes in one pipelined round trip (HINCRBY per
 * non-zero field, PEXPIRE API_TRAFFIC_TTL_MS), as ExposureTally does for flag exposures. Reading sums
 * the 60 buckets of the last 10 minutes (the one filling included) with one pipelined HGETALL each.
 * A flush that fails drops its second of counts with a warning rather than piling them up.
 */
@Injectable()
export class ApiTraffic implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ApiTraffic.name);
  private readonly redis: Redis;
  private readonly prefix: string;
  private counts = new Map<number, BucketCounts>();
  private timer: NodeJS.Timeout | undefined;

  constructor(config: RuntimeConfig, connections: RedisConnections) {
    this.redis = connections.open('state', 'api-traffic');
    this.prefix = config.redis.keyPrefix;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  /** Every answer of this process: the onResponse hook's whole work (see installApiTraffic). */
  record(status: number, elapsedMs: number, at: number = Date.now()): void {
    const start = bucketStart(at);
    let counts = this.counts.get(start);
    if (!counts) {
      counts = emptyCounts();
      this.counts.set(start, counts);
    }
    counts.requests += 1;
    if (status >= 500) counts.errors += 1;
    counts.latency[latencyIndex(elapsedMs)]! += 1;
  }

  async flush(): Promise<void> {
    if (!this.counts.size) return;
    const pending = this.counts;
    this.counts = new Map();
    const pipeline = this.redis.pipeline();
    for (const [start, counts] of pending) {
      const key = this.key(start);
      pipeline.hincrby(key, 'requests', counts.requests);
      if (counts.errors) pipeline.hincrby(key, 'errors', counts.errors);
      counts.latency.forEach((count, index) => {
        if (count) pipeline.hincrby(key, LATENCY_FIELDS[index]!, count);
      });
      pipeline.pexpire(key, API_TRAFFIC_TTL_MS);
    }
    try {
      const failed = ((await pipeline.exec()) ?? []).find(([error]) => error);
      if (failed?.[0]) throw failed[0];
    } catch (error) {
      this.logger.warn({ err: error, droppedBuckets: pending.size }, 'could not record API traffic');
    }
  }

  /** The window ending at `now`, summed over every process's flushed buckets. */
  async window(now: number = Date.now()): Promise<ApiTrafficWindow> {
    const newest = bucketStart(now);
    const pipeline = this.redis.pipeline();
    for (let start = newest; start > now - API_TRAFFIC_WINDOW_MS; start -= BUCKET_MS) {
      pipeline.hgetall(this.key(start));
    }
    const total = emptyCounts();
    for (const [error, reply] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      const hash = reply as Record<string, string>;
      total.requests += countOf(hash.requests);
      total.errors += countOf(hash.errors);
      LATENCY_FIELDS.forEach((field, index) => (total.latency[index]! += countOf(hash[field])));
    }
    return {
      windowMs: API_TRAFFIC_WINDOW_MS,
      requests: total.requests,
      errors: total.errors,
      errorRate: total.requests ? total.errors / total.requests : null,
      p95Ms: estimateQuantileMs(total.latency, 0.95),
    };
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    this.redis.disconnect();
  }

  private key(start: number): string {
    return `${this.prefix}:api-traffic:${start}`;
  }
}

/** Counts every answer the API gives, the edge's 404s and 413s included, like http_requests_total. */
export function installApiTraffic(fastify: FastifyInstance, traffic: ApiTraffic): void {
  fastify.addHook('onResponse', (_request, reply, done) => {
    traffic.record(reply.statusCode, reply.elapsedTime);
    done();
  });
}
