import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RuntimeConfig } from '@rampart/config';
import { RedisConnections } from '@rampart/jobs';
import { LATENCY_BUCKET_COUNT, type TelemetryBucket } from '@rampart/rollout-guardrails';
import {
  BATCH_ID_TTL_MS,
  BUCKET_FIELDS,
  BUCKET_TTL_MS,
  MAX_INSTANCES_PER_BUCKET,
  MAX_READ_SPAN_MS,
  batchKey,
  bucketKey,
  bucketStart,
  bucketStartsIn,
} from './telemetry-layout';
import type { ExposureCount, RecordOutcome, TelemetryBatch } from './telemetry-report';

/** Counter fields per report, in the order the script reads them from ARGV. */
const REPORT_FIELDS = ['requests', 'errors', 'exceptions', ...BUCKET_FIELDS.latency] as const;

/**
 * One batch, atomically (a Lua script runs alone on the server), so the batch id check and the adds
 * cannot be separated: of N concurrent sends of one batch exactly one adds, the rest see the id.
 * KEYS[1]: the batch id marker; KEYS[2..]: one bucket hash per report (repeats allowed).
 * ARGV[1]: marker ttl (ms); ARGV[2]: bucket ttl (ms); ARGV[3]: the memory field (`m:<instance>`);
 * ARGV[4]: memory bytes, -1 for none; ARGV[5]: the most fields a bucket may grow to with memory
 * reports; then per report, its counts in REPORT_FIELDS order (field names in ARGV[6..]).
 * Zero counts are not written: a bucket hash holds only what happened. Memory is the max per
 * instance (set when higher). Every written bucket's TTL is renewed. Returns 1 (added) or 0 (seen).
 */
const RECORD_SCRIPT = `
if not redis.call('SET', KEYS[1], '1', 'PX', ARGV[1], 'NX') then return 0 end
local fieldCount = ${REPORT_FIELDS.length}
local names = {}
for f = 1, fieldCount do names[f] = ARGV[5 + f] end
local memory = tonumber(ARGV[4])
local memoryField = ARGV[3]
local maxFields = tonumber(ARGV[5])
for i = 2, #KEYS do
  local key = KEYS[i]
  local base = 5 + fieldCount + (i - 2) * fieldCount
  for f = 1, fieldCount do
    local count = tonumber(ARGV[base + f])
    if count > 0 then redis.call('HINCRBY', key, names[f], count) end
  end
  if memory >= 0 then
    local current = redis.call('HGET', key, memoryField)
    if current then
      if memory > tonumber(current) then redis.call('HSET', key, memoryField, memory) end
    elseif redis.call('HLEN', key) < maxFields then
      redis.call('HSET', key, memoryField, memory)
    end
  end
  redis.call('PEXPIRE', key, ARGV[2])
end
return 1
`;

interface TelemetryCommands {
  rampartTelemetryRecord(numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
}

/** Buckets read per pipeline: about 1,000 small replies, a few hundred kB at most. */
const READ_CHUNK = 1_000;

/** A stored bucket as the worker reads it: the lib's bucket, and how often Rampart served the variant. */
export interface VariantBucket {
  bucket: TelemetryBucket;
  /** Evaluations of the flag that answered this variant, counted by Rampart's own OFREP routes. */
  exposures: number;
}

function count(hash: Record<string, string>, field: string): number {
  const value = Number(hash[field] ?? 0);
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
}

function bucketOf(start: number, hash: Record<string, string>): VariantBucket {
  const memory: TelemetryBucket['memory'] = [];
  for (const [field, bytes] of Object.entries(hash)) {
    if (field.startsWith(BUCKET_FIELDS.memoryPrefix)) {
      memory.push({ instance: field.slice(BUCKET_FIELDS.memoryPrefix.length), bytes: Number(bytes) });
    }
  }
  memory.sort((a, b) => a.instance.localeCompare(b.instance));
  return {
    bucket: {
      start,
      requests: count(hash, BUCKET_FIELDS.requests),
      errors: count(hash, BUCKET_FIELDS.errors),
      latency: BUCKET_FIELDS.latency.map((field) => count(hash, field)),
      exceptions: count(hash, BUCKET_FIELDS.exceptions),
      memory,
    },
    exposures: count(hash, BUCKET_FIELDS.exposures),
  };
}

/**
 * Guardrail telemetry in Redis: what the guarded services reported, and how often Rampart served
 * each variant, per flag, variant and 10-s bucket.
 *
 * Layout (see docs/rollouts.md): one hash per (flag, variant, bucket start),
 * `<REDIS_KEY_PREFIX>:telemetry:bucket:<flag>:<variant>:<start ms>`, with the non-zero counters among
 * `requests`, `errors`, `exceptions`, `exposures`, `l0`..`l12` and one `m:<instance>` per process
 * that reported memory (its peak). Each lives BUCKET_TTL_MS after its last write. A batch id is
 * remembered for BATCH_ID_TTL_MS under `...:telemetry:batch:<credential id>:<batch id>`.
 *
 * The connection has the 'state' role: a command fails after about a second rather than holding
 * the request, and the caller answers 503.
 */
@Injectable()
export class TelemetryStore implements OnModuleDestroy {
  private readonly redis: Redis & TelemetryCommands;
  private readonly prefix: string;

  constructor(config: RuntimeConfig, connections: RedisConnections) {
    const redis = connections.open('state', 'guardrail-telemetry');
    redis.defineCommand('rampartTelemetryRecord', { lua: RECORD_SCRIPT });
    // defineCommand adds the method at run time; this is its type.
    this.redis = redis as Redis & TelemetryCommands;
    this.prefix = config.redis.keyPrefix;
  }

  /** Adds a batch's reports unless its id was seen from the same key in the last day. */
  async record(batch: TelemetryBatch): Promise<RecordOutcome> {
    if (batch.reports.some((report) => report.latency.length !== LATENCY_BUCKET_COUNT)) {
      throw new RangeError(`latency must have ${LATENCY_BUCKET_COUNT} counts`);
    }
    const keys = [
      batchKey(this.prefix, batch.credentialId, batch.batchId),
      ...batch.reports.map((report) =>
        bucketKey(this.prefix, report.flag, report.variant, bucketStart(report.start)),
      ),
    ];
    const args: (string | number)[] = [
      BATCH_ID_TTL_MS,
      BUCKET_TTL_MS,
      `${BUCKET_FIELDS.memoryPrefix}${batch.instance}`,
      batch.memoryBytes ?? -1,
      REPORT_FIELDS.length + 1 + MAX_INSTANCES_PER_BUCKET,
      ...REPORT_FIELDS,
    ];
    for (const report of batch.reports) {
      args.push(report.requests, report.errors, report.exceptions, ...report.latency);
    }
    const added = await this.redis.rampartTelemetryRecord(keys.length, ...keys, ...args);
    return added === 1 ? 'accepted' : 'duplicate';
  }

  /**
   * Adds evaluations served to the `exposures` of their buckets: one HINCRBY and one PEXPIRE per
   * (flag, variant, bucket), in one round trip. Callers aggregate first (never one call per evaluation).
   */
  async recordExposures(counts: readonly ExposureCount[]): Promise<void> {
    if (!counts.length) return;
    const pipeline = this.redis.pipeline();
    for (const exposure of counts) {
      const key = bucketKey(this.prefix, exposure.flag, exposure.variant, bucketStart(exposure.at));
      pipeline.hincrby(key, BUCKET_FIELDS.exposures, exposure.count);
      pipeline.pexpire(key, BUCKET_TTL_MS);
    }
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
  }

  /**
   * The stored buckets of one variant whose start lies in [from, to), oldest first; buckets with
   * nothing recorded are left out. The keys are computed, not scanned: one HGETALL per 10-s bucket,
   * pipelined READ_CHUNK at a time, so a 7-day span is 61 round trips and 60,480 cheap commands
   * (a fraction of a second of Redis time). Spans longer than MAX_READ_SPAN_MS are refused.
   */
  async buckets(flag: string, variant: string, from: number, to: number): Promise<VariantBucket[]> {
    if (to - from > MAX_READ_SPAN_MS) {
      throw new RangeError(`a span of at most ${MAX_READ_SPAN_MS} ms can be read at once`);
    }
    const starts = bucketStartsIn(from, to);
    const found: VariantBucket[] = [];
    for (let offset = 0; offset < starts.length; offset += READ_CHUNK) {
      const chunk = starts.slice(offset, offset + READ_CHUNK);
      const pipeline = this.redis.pipeline();
      for (const start of chunk) pipeline.hgetall(bucketKey(this.prefix, flag, variant, start));
      const replies = (await pipeline.exec()) ?? [];
      replies.forEach(([error, hash], index) => {
        if (error) throw error;
        const fields = hash as Record<string, string>;
        if (Object.keys(fields).length) found.push(bucketOf(chunk[index]!, fields));
      });
    }
    return found;
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
