// Mail through the transactional outbox: the real API code (EmailOutbox.send, in this process) commits
// outbox rows and enqueues their jobs, the real worker (dist/apps/worker/src/main.js, a child process)
// renders and sends them over SMTP to a sink in this process (smtp-server on 127.0.0.1). Measures
// mails per second end to end and the time from the outbox commit to the sink's SMTP accept.
//
// Runs, one after the other, against one worker:
//   warm-up     50 mails in one send, waited for, discarded
//   unloaded    100 single mails, one outbox.send each, ~20 ms apart: the latency to hold against the
//               SLO (delivery start < 30 s p95 in the seed; the aim is < 1 s)
//   throughput  BENCH_EMAIL_COUNT mails as outbox.send calls of 100 mails each, issued back to back
//               (each awaited, delivery never waited for), then waited for (at most 120 s)
// Every Message-ID must reach the sink exactly once, and every outbox row must end up 'sent'; anything
// else fails the scenario, as does an unloaded p95 over the seed SLO.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';
import {
  fixed,
  formatTable,
  percentile,
  positiveInteger,
  readCpuSeconds,
  readRssMiB,
  sleep,
  type BenchSettings,
  type Scenario,
  type ScenarioReport,
  type ServerProcess,
} from '../lib.mts';
import {
  deleteRedisKeys,
  migrateDatabase,
  requireDist,
  startApiInProcess,
  startWorker,
  type ClassToken,
  type NestApp,
} from '../servers.mts';

const BATCH_SIZE = 100;
const WARMUP_COUNT = 50;
const UNLOADED_COUNT = 100;
const UNLOADED_GAP_MS = 20;
const DELIVERY_TIMEOUT_MS = 120_000;
const SHORT_TIMEOUT_MS = 30_000;
/** How long the outbox rows may take to be marked 'sent' after the sink accepted the last mail. */
const MARKED_SENT_TIMEOUT_MS = 10_000;
const TARGET_P95_MS = 1_000;
const SEED_SLO_P95_MS = 30_000;
const WORKER_LOG_LEVEL = 'warn';

// ---------------------------------------------------------------------------------------------------------
// The compiled API modules (CommonJS in dist/), seen through the little this scenario uses of them.

interface EmailRequest {
  to: string;
  template: 'admin-alert';
  params: { title: string; message: string };
}

interface OutboxRow {
  id: string;
  messageId: string;
  createdAt: Date;
}

interface EmailOutbox {
  send(requests: EmailRequest[]): Promise<OutboxRow[]>;
}

interface EmailOutboxModule {
  EmailOutbox: ClassToken<EmailOutbox>;
}

/** The API's Nest application without HTTP (init, no listen) and its EmailOutbox. */
async function createProducer(
  settings: BenchSettings,
  redisKeyPrefix: string,
): Promise<{ app: NestApp; outbox: EmailOutbox }> {
  const app = await startApiInProcess(settings, redisKeyPrefix);
  const { EmailOutbox } = requireDist<EmailOutboxModule>(settings, 'libs/outbox/src/index.js');
  return { app, outbox: app.get(EmailOutbox) };
}

// ---------------------------------------------------------------------------------------------------------
// The SMTP sink

/** The Message-ID header of a raw message (folded header lines unfolded); '' when it has none. */
function messageIdOf(raw: string): string {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  return /^Message-ID:\s*(.*)$/im.exec(unfolded)?.[1]?.trim() ?? '';
}

/** An SMTP server on 127.0.0.1 that accepts everything and records when each Message-ID arrived. */
class SmtpSink {
  /** performance.now() of every accept, per Message-ID. */
  readonly accepted = new Map<string, number[]>();
  acceptedTotal = 0;
  port = 0;
  private server: SMTPServer | undefined;

  async start(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, _session, callback) => this.receive(stream, callback),
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
  }

  private receive(stream: SMTPServerDataStream, callback: (error?: Error | null) => void): void {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const at = performance.now();
      const messageId = messageIdOf(Buffer.concat(chunks).toString('utf8'));
      const times = this.accepted.get(messageId);
      if (times) times.push(at);
      else this.accepted.set(messageId, [at]);
      this.acceptedTotal += 1;
      callback(null);
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

// ---------------------------------------------------------------------------------------------------------
// Runs

interface SentMail {
  messageId: string;
  /** performance.now() when the outbox.send call that wrote it resolved (commit + enqueue done). */
  committedAt: number;
}

interface RunRecord {
  name: string;
  mails: SentMail[];
  /** performance.now() of the first outbox.send call. */
  startedAt: number;
  /** performance.now() when the last outbox.send call resolved. */
  producerDoneAt: number;
  /** Duration of each outbox.send call in ms. */
  sendMs: number[];
  /** performance.now() when the wait for the sink ended (all accepted or timed out). */
  waitEndedAt: number;
  timedOut: boolean;
  workerCpuSec: number;
  benchCpuSec: number;
  workerRssStartMiB: number;
  workerRssEndMiB: number;
}

interface RunStats {
  accepted: number;
  missing: number;
  duplicates: number;
  /** Mails the sink accepted before the outbox.send call that wrote them resolved. */
  beforeResolve: number;
  /** From the first send call to the last accept. */
  wallSec: number;
  mailsPerSec: number;
  producerMailsPerSec: number;
  latency: { p50: number; p95: number; p99: number; max: number };
  sendMs: { p50: number; p95: number };
}

function sortedOf(values: number[]): Float64Array {
  return Float64Array.from(values).sort();
}

/** Waits until the sink accepted every Message-ID of `mails`; false when `timeoutMs` passed first. */
async function waitForDelivery(sink: SmtpSink, mails: SentMail[], timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  let pending = mails.map((mail) => mail.messageId);
  for (;;) {
    pending = pending.filter((messageId) => !sink.accepted.has(messageId));
    if (pending.length === 0) return true;
    if (performance.now() > deadline) return false;
    await sleep(10);
  }
}

interface RunContext {
  sink: SmtpSink;
  worker: ServerProcess;
  /** outbox.send, recording every Message-ID written (for the clean-up). */
  send: (requests: EmailRequest[]) => Promise<OutboxRow[]>;
  /** The next mail's request, numbered across runs. */
  request: () => EmailRequest;
}

/**
 * Sends `batches` (sizes of the outbox.send calls), each awaited and followed by `gapMs` of pause,
 * then waits until the sink accepted them all, measuring the worker's CPU and RSS around it.
 */
async function runMails(
  context: RunContext,
  name: string,
  batches: number[],
  gapMs: number,
  timeoutMs: number,
): Promise<RunRecord> {
  const { sink, worker } = context;
  const workerRssStartMiB = await readRssMiB(worker.pid);
  const workerCpuBefore = await readCpuSeconds(worker.pid);
  const benchCpuBefore = process.cpuUsage();
  const mails: SentMail[] = [];
  const sendMs: number[] = [];
  const startedAt = performance.now();
  for (const size of batches) {
    const requests = Array.from({ length: size }, () => context.request());
    const calledAt = performance.now();
    const rows = await context.send(requests);
    const committedAt = performance.now();
    sendMs.push(committedAt - calledAt);
    for (const row of rows) mails.push({ messageId: row.messageId, committedAt });
    if (gapMs > 0) await sleep(gapMs);
  }
  const producerDoneAt = performance.now();
  const delivered = await waitForDelivery(sink, mails, timeoutMs);
  const waitEndedAt = performance.now();
  const workerCpuSec = (await readCpuSeconds(worker.pid)) - workerCpuBefore;
  const benchCpu = process.cpuUsage(benchCpuBefore);
  return {
    name,
    mails,
    startedAt,
    producerDoneAt,
    sendMs,
    waitEndedAt,
    timedOut: !delivered,
    workerCpuSec,
    benchCpuSec: (benchCpu.user + benchCpu.system) / 1e6,
    workerRssStartMiB,
    workerRssEndMiB: await readRssMiB(worker.pid),
  };
}

/** Latency, exactness and rates of a run from what the sink holds now. */
function statsOf(run: RunRecord, sink: SmtpSink): RunStats {
  const latencies: number[] = [];
  let missing = 0;
  let duplicates = 0;
  let beforeResolve = 0;
  let lastAcceptAt = run.startedAt;
  for (const mail of run.mails) {
    const times = sink.accepted.get(mail.messageId);
    const first = times?.[0];
    if (times === undefined || first === undefined) {
      missing += 1;
      continue;
    }
    duplicates += times.length - 1;
    const latency = first - mail.committedAt;
    if (latency < 0) beforeResolve += 1;
    latencies.push(latency);
    lastAcceptAt = Math.max(lastAcceptAt, first);
  }
  const sorted = sortedOf(latencies);
  const sendSorted = sortedOf(run.sendMs);
  const wallSec = (lastAcceptAt - run.startedAt) / 1000;
  const producerSec = (run.producerDoneAt - run.startedAt) / 1000;
  return {
    accepted: latencies.length,
    missing,
    duplicates,
    beforeResolve,
    wallSec,
    mailsPerSec: wallSec > 0 ? latencies.length / wallSec : 0,
    producerMailsPerSec: producerSec > 0 ? run.mails.length / producerSec : 0,
    latency: {
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: sorted.length > 0 ? (sorted[sorted.length - 1] ?? 0) : 0,
    },
    sendMs: { p50: percentile(sendSorted, 50), p95: percentile(sendSorted, 95) },
  };
}

// ---------------------------------------------------------------------------------------------------------
// The outbox rows and the Redis keys

interface OutboxStatusCount {
  status: string;
  count: number;
  maxAttempts: number;
}

/**
 * Polls until every row of `messageIds` is 'sent' (the worker marks a row after the SMTP accept) or
 * the timeout passes; returns the last count per status.
 */
async function waitUntilMarkedSent(databaseUrl: string, messageIds: string[]): Promise<OutboxStatusCount[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const deadline = performance.now() + MARKED_SENT_TIMEOUT_MS;
    for (;;) {
      const { rows } = await client.query<{ status: string; count: number; max_attempts: number }>(
        `SELECT status::text AS status, count(*)::int AS count, max(attempts)::int AS max_attempts
           FROM email_outbox WHERE message_id = ANY($1::text[]) GROUP BY status ORDER BY status`,
        [messageIds],
      );
      const counts = rows.map((row) => ({
        status: row.status,
        count: row.count,
        maxAttempts: row.max_attempts,
      }));
      const sent = counts.find((entry) => entry.status === 'sent')?.count ?? 0;
      if (sent === messageIds.length || performance.now() > deadline) return counts;
      await sleep(100);
    }
  } finally {
    await client.end();
  }
}

async function deleteOutboxRows(databaseUrl: string, messageIds: string[]): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const result = await client.query('DELETE FROM email_outbox WHERE message_id = ANY($1::text[])', [
      messageIds,
    ]);
    return result.rowCount ?? 0;
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------------------
// The scenario

function batchesOf(total: number, size: number): number[] {
  const batches: number[] = [];
  for (let left = total; left > 0; left -= size) batches.push(Math.min(size, left));
  return batches;
}

function runRow(run: RunRecord, stats: RunStats, paced: boolean): string[] {
  const seconds = (run.waitEndedAt - run.startedAt) / 1000 || 1;
  return [
    run.name,
    String(run.mails.length),
    fixed(stats.wallSec),
    paced ? '-' : fixed(stats.mailsPerSec, 0),
    paced ? '-' : fixed(stats.producerMailsPerSec, 0),
    fixed(stats.latency.p50, 1),
    fixed(stats.latency.p95, 1),
    fixed(stats.latency.p99, 1),
    fixed(stats.latency.max, 1),
    String(stats.missing),
    String(stats.duplicates),
    fixed(run.workerRssStartMiB, 1),
    fixed(run.workerRssEndMiB, 1),
    `${fixed((run.workerCpuSec / seconds) * 100, 0)}%`,
    `${fixed((run.benchCpuSec / seconds) * 100, 0)}%`,
  ];
}

function runFailures(run: RunRecord, stats: RunStats, timeoutMs: number): string[] {
  const failures: string[] = [];
  if (run.timedOut) {
    failures.push(`${run.name}: not every mail reached the sink within ${timeoutMs / 1000} s`);
  }
  if (stats.missing > 0) failures.push(`${run.name}: ${stats.missing} of ${run.mails.length} mails missing`);
  if (stats.duplicates > 0) failures.push(`${run.name}: ${stats.duplicates} duplicate deliveries`);
  return failures;
}

export const emailScenario: Scenario = {
  name: 'email',
  description: 'outbox commit → BullMQ → worker → SMTP accept: mails/s and commit-to-accept latency',
  async run(settings: BenchSettings): Promise<ScenarioReport> {
    const count = positiveInteger('BENCH_EMAIL_COUNT', 2000);
    const concurrency = positiveInteger('BENCH_EMAIL_CONCURRENCY', 8);
    const prefix = `rampart-bench-email-${randomBytes(4).toString('hex')}`;
    const failures: string[] = [];
    const messageIds: string[] = [];
    const sink = new SmtpSink();
    let worker: ServerProcess | undefined;
    let app: NestApp | undefined;
    let number = 0;

    try {
      await migrateDatabase(settings, settings.databaseUrl, 'email');
      await sink.start();
      settings.log(`email: SMTP sink on 127.0.0.1:${sink.port}; starting dist/apps/worker/src/main.js`);
      worker = await startWorker(settings, {
        LOG_LEVEL: WORKER_LOG_LEVEL,
        REDIS_KEY_PREFIX: prefix,
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(sink.port),
        WORKER_EMAIL_CONCURRENCY: String(concurrency),
        OUTBOX_SWEEP_INTERVAL_MS: '600000',
      });
      settings.log('email: starting the API application in this process (EmailOutbox)');
      const producer = await createProducer(settings, prefix);
      app = producer.app;
      const { outbox } = producer;
      const context: RunContext = {
        sink,
        worker,
        send: async (requests) => {
          const rows = await outbox.send(requests);
          for (const row of rows) messageIds.push(row.messageId);
          return rows;
        },
        request: () => {
          number += 1;
          return {
            to: `user${number}@example.test`,
            template: 'admin-alert',
            params: { title: `Bench ${number}`, message: `Message ${number}` },
          };
        },
      };

      settings.log(`email: warm-up, ${WARMUP_COUNT} mails (discarded)`);
      const warmup = await runMails(context, 'warm-up', [WARMUP_COUNT], 0, SHORT_TIMEOUT_MS);
      if (warmup.timedOut) {
        const got = statsOf(warmup, sink).accepted;
        throw new Error(
          `email warm-up: ${got} of ${WARMUP_COUNT} mails reached the sink within ${SHORT_TIMEOUT_MS / 1000} s\n` +
            worker.outputText(),
        );
      }
      settings.log(`email: unloaded, ${UNLOADED_COUNT} single mails ~${UNLOADED_GAP_MS} ms apart`);
      const unloaded = await runMails(
        context,
        'unloaded',
        batchesOf(UNLOADED_COUNT, 1),
        UNLOADED_GAP_MS,
        SHORT_TIMEOUT_MS,
      );
      settings.log(`email: throughput, ${count} mails in outbox.send calls of ${BATCH_SIZE}`);
      const loaded = await runMails(
        context,
        'throughput',
        batchesOf(count, BATCH_SIZE),
        0,
        DELIVERY_TIMEOUT_MS,
      );

      const runIds = [...warmup.mails, ...unloaded.mails, ...loaded.mails].map((mail) => mail.messageId);
      const statusCounts = await waitUntilMarkedSent(settings.databaseUrl, runIds);
      // Computed last, so late duplicates (a retried send) still show up.
      const warmupStats = statsOf(warmup, sink);
      const unloadedStats = statsOf(unloaded, sink);
      const loadedStats = statsOf(loaded, sink);
      failures.push(
        ...runFailures(warmup, warmupStats, SHORT_TIMEOUT_MS),
        ...runFailures(unloaded, unloadedStats, SHORT_TIMEOUT_MS),
        ...runFailures(loaded, loadedStats, DELIVERY_TIMEOUT_MS),
      );
      const sentRows = statusCounts.find((entry) => entry.status === 'sent')?.count ?? 0;
      const statusText = statusCounts.map((entry) => `${entry.count} ${entry.status}`).join(', ') || 'none';
      if (sentRows !== runIds.length) {
        failures.push(
          `outbox rows: ${statusText} of ${runIds.length}, not all 'sent' ${MARKED_SENT_TIMEOUT_MS / 1000} s ` +
            'after the last accept',
        );
      }
      const maxAttempts = Math.max(0, ...statusCounts.map((entry) => entry.maxAttempts));
      const ours = new Set(runIds);
      const foreign = [...sink.accepted.keys()].filter((messageId) => !ours.has(messageId)).length;

      const unloadedP95 = unloadedStats.latency.p95;
      const verdict = unloadedP95 < TARGET_P95_MS ? 'PASS' : 'FAIL';
      if (unloadedP95 >= SEED_SLO_P95_MS) {
        failures.push(`unloaded latency p95 ${fixed(unloadedP95, 0)} ms is over the seed SLO of 30 s`);
      }

      const table = formatTable(
        [
          'run',
          'mails',
          'wall s',
          'mails/s',
          'producer mails/s',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'max ms',
          'missing',
          'dup',
          'worker RSS start MiB',
          'worker RSS end MiB',
          'worker CPU',
          'bench CPU',
        ],
        [runRow(unloaded, unloadedStats, true), runRow(loaded, loadedStats, false)],
      );
      const summary = [
        table,
        '',
        `note: latency = SMTP accept by the sink - commit time, where the commit time is when the ` +
          'outbox.send call that wrote the mail resolved (its transaction committed and its jobs were ' +
          `enqueued); in the throughput run that is the resolve time of the mail's ${BATCH_SIZE}-mail batch, ` +
          'so a mail the worker took while the rest of its batch was still being enqueued counts short ' +
          `(${loadedStats.beforeResolve} of ${loaded.mails.length} were accepted before their batch resolved, ` +
          'i.e. a negative latency).',
        `note: throughput = accepted mails / (first outbox.send call -> last SMTP accept); producer = mails / ` +
          `time to commit+enqueue them all (outbox.send calls of ${BATCH_SIZE}, each awaited, issued back to ` +
          `back); the unloaded run is paced (one mail per outbox.send, ${UNLOADED_GAP_MS} ms apart), so it ` +
          'has no rate.',
        `note: worker WORKER_EMAIL_CONCURRENCY=${concurrency} (SMTP pool of as many connections), ` +
          `LOG_LEVEL=${WORKER_LOG_LEVEL}; the producer (the API's Nest application) and the SMTP sink share ` +
          'this process (bench CPU); CPU = user+system time / (first send -> end of the wait), ' +
          `100% = one core; a ${WARMUP_COUNT}-mail warm-up ran first and is not shown.`,
        `outbox.send: one mail p50 ${fixed(unloadedStats.sendMs.p50, 1)} ms / p95 ${fixed(unloadedStats.sendMs.p95, 1)} ms, ` +
          `${BATCH_SIZE} mails p50 ${fixed(loadedStats.sendMs.p50, 1)} ms / p95 ${fixed(loadedStats.sendMs.p95, 1)} ms ` +
          '(commit + enqueue)',
        `exactness: ${runIds.length} Message-IDs, ${runIds.length - warmupStats.missing - unloadedStats.missing - loadedStats.missing} ` +
          `accepted, ${warmupStats.missing + unloadedStats.missing + loadedStats.missing} missing, ` +
          `${warmupStats.duplicates + unloadedStats.duplicates + loadedStats.duplicates} duplicates; ` +
          `outbox rows ${statusText}, at most ${maxAttempts} attempt(s) per row` +
          (foreign > 0
            ? `; ${foreign} other Message-IDs (older runs' rows) reached the sink and were ignored`
            : ''),
        `throughput: ${fixed(loadedStats.mailsPerSec, 0)} mails/s end to end ` +
          `(producer ${fixed(loadedStats.producerMailsPerSec, 0)} mails/s), latency under load ` +
          `p50 ${fixed(loadedStats.latency.p50, 0)} ms / p95 ${fixed(loadedStats.latency.p95, 0)} ms; ` +
          `unloaded p50 ${fixed(unloadedStats.latency.p50, 1)} ms / p95 ${fixed(unloadedP95, 1)} ms / ` +
          `p99 ${fixed(unloadedStats.latency.p99, 1)} ms`,
        `SLO check: p95 ${fixed(unloadedP95, 1)} ms (target < ${TARGET_P95_MS} ms, seed SLO < ${SEED_SLO_P95_MS} ms): ${verdict}`,
      ];
      return {
        scenario: emailScenario.name,
        description: emailScenario.description,
        setup:
          `${count} mails for throughput, ${UNLOADED_COUNT} paced for latency, worker email concurrency ` +
          `${concurrency}`,
        targets: [],
        summary,
        failures,
        extra: {
          mails: count,
          concurrency,
          mailsPerSec: loadedStats.mailsPerSec,
          producerMailsPerSec: loadedStats.producerMailsPerSec,
          loadedP50Ms: loadedStats.latency.p50,
          loadedP95Ms: loadedStats.latency.p95,
          loadedP99Ms: loadedStats.latency.p99,
          loadedMaxMs: loadedStats.latency.max,
          unloadedP50Ms: unloadedStats.latency.p50,
          unloadedP95Ms: unloadedP95,
          unloadedP99Ms: unloadedStats.latency.p99,
          unloadedMaxMs: unloadedStats.latency.max,
          missing: warmupStats.missing + unloadedStats.missing + loadedStats.missing,
          duplicates: warmupStats.duplicates + unloadedStats.duplicates + loadedStats.duplicates,
          slo: verdict,
        },
      };
    } finally {
      // The worker first (it consumes the queues and talks to the sink), then the producer, then the sink.
      await worker?.stop();
      await app?.close();
      await sink.stop();
      try {
        const rows = messageIds.length > 0 ? await deleteOutboxRows(settings.databaseUrl, messageIds) : 0;
        const keys = await deleteRedisKeys(settings.redisUrl, prefix);
        settings.log(`email: cleaned up ${rows} outbox rows and ${keys} Redis keys`);
      } catch (error) {
        settings.log(`email: clean-up failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  },
};
