// `npm start`: runs Rampart on this machine. (`npm run build` has already run: see package.json.)
// Applies pending migrations (creating the database if needed), then starts the API and the worker
// as two processes against DATABASE_URL and REDIS_URL (defaults: the local PostgreSQL and Redis),
// prints their URLs once both are healthy, and stops both on Ctrl-C / SIGTERM. Without SMTP_HOST it
// also runs the development mail sink (scripts/mail-sink.mts): mails land as .eml files in .data/mail.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { migrate } from './db.mts';
import { type MailSink, startMailSink } from './mail-sink.mts';

const ROOT = path.resolve(import.meta.dirname, '..');
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/rampart';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const API_PORT = process.env.API_PORT ?? '3000';
const WORKER_PORT = process.env.WORKER_PORT ?? '3001';
const MAIL_SINK_PORT = Number(process.env.SMTP_PORT ?? 1025);
const MAIL_DIRECTORY = path.join(ROOT, '.data', 'mail');
// The sink's mailbox (GET /mails, JSON): what `npm run verify:deployment -- --mailbox-url` reads.
const MAILBOX_PORT = Number(process.env.MAIL_SINK_MAILBOX_PORT ?? 1080);

/**
 * Node's arguments for an app as `npm run start:<app>` has them (`node [flags] <entry>`): the API's
 * node flags live there, and test/deploy/deployment.spec.ts holds them equal to docker's.
 */
function appArguments(app: 'api' | 'worker'): string[] {
  const { scripts } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const [command, ...args] = (scripts[`start:${app}`] ?? '').split(' ');
  const entry = args.pop();
  if (command !== 'node' || !entry) fail(`package.json's start:${app} is not \`node [flags] <entry>\``);
  return [...args, path.join(ROOT, entry)];
}

function fail(message: string): never {
  console.error(`start: ${message}`);
  process.exit(1);
}

function redisReachable(url: string): Promise<boolean> {
  const parsed = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({
      host: parsed.hostname || '127.0.0.1',
      port: Number(parsed.port || 6379),
      timeout: 3_000,
    });
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
  } catch {
    return 'unknown';
  }
}

async function waitForReady(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null) {
    const ok = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

async function main(): Promise<void> {
  if (!(await redisReachable(REDIS_URL))) {
    fail(
      `Redis is unreachable at ${REDIS_URL}; start it (this machine: redis-server --daemonize yes --bind 127.0.0.1 -::1 ` +
        '--port 6379 --save "" --appendonly no) or set REDIS_URL',
    );
  }
  try {
    const applied = await migrate(DATABASE_URL);
    console.log(
      applied.length ? `start: applied migrations ${applied.join(', ')}` : 'start: database is up to date',
    );
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }

  let sink: MailSink | undefined;
  if (!process.env.SMTP_HOST) {
    try {
      sink = await startMailSink(MAIL_SINK_PORT, MAIL_DIRECTORY, { mailboxPort: MAILBOX_PORT });
    } catch (error) {
      fail(
        `cannot start the development mail sink on 127.0.0.1:${MAIL_SINK_PORT} (mailbox ${MAILBOX_PORT}) (${error instanceof Error ? error.message : String(error)}); ` +
          'free the ports, set SMTP_PORT or MAIL_SINK_MAILBOX_PORT to others, or set SMTP_HOST to use a real relay',
      );
    }
  }

  const env = {
    ...process.env,
    ...(sink ? { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(sink.port) } : {}),
    DATABASE_URL,
    REDIS_URL,
    API_PORT,
    WORKER_PORT,
    COMMIT_SHA: process.env.COMMIT_SHA ?? gitCommit(),
    BUILD_ID: process.env.BUILD_ID ?? `local-${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}`,
  };
  // Each child in a process group of its own: Ctrl-C reaches only this script, which then asks
  // each app once (SIGTERM) to drain and stop. Sharing the terminal's group, they would get Ctrl-C's
  // SIGINT and then the SIGTERM, and treat the second signal as "exit now".
  const children = {
    api: spawn(process.execPath, appArguments('api'), { env, stdio: 'inherit', detached: true }),
    worker: spawn(process.execPath, appArguments('worker'), { env, stdio: 'inherit', detached: true }),
  };

  let stopping = false;
  const stopAll = (signal: NodeJS.Signals): void => {
    stopping = true;
    for (const child of Object.values(children)) if (child.exitCode === null) child.kill(signal);
  };
  process.on('SIGINT', () => stopAll('SIGTERM'));
  process.on('SIGTERM', () => stopAll('SIGTERM'));

  const exits = Object.entries(children).map(
    ([name, child]) =>
      new Promise<number>((resolve) =>
        child.once('exit', (code) => {
          if (!stopping) {
            console.error(`start: the ${name} exited (code ${code}); stopping the other process`);
            stopAll('SIGTERM');
          }
          resolve(code ?? 1);
        }),
      ),
  );

  const apiUrl = `http://localhost:${API_PORT}`;
  const workerUrl = `http://localhost:${WORKER_PORT}`;
  const [apiReady, workerReady] = await Promise.all([
    waitForReady(`${apiUrl}/health/live`, children.api),
    waitForReady(`${workerUrl}/health/live`, children.worker),
  ]);
  if (apiReady && workerReady) {
    console.log(
      [
        '',
        'Rampart is running:',
        `  API        ${apiUrl}   (docs ${apiUrl}/docs, readiness ${apiUrl}/health/ready)`,
        `  worker     ${workerUrl}   (readiness ${workerUrl}/health/ready)`,
        `  database   ${DATABASE_URL.replace(/:[^:@/]*@/, ':***@')}`,
        `  redis      ${REDIS_URL}`,
        sink
          ? `  mail       smtp://127.0.0.1:${sink.port} -> ${path.relative(ROOT, sink.directory)}/*.eml, mailbox ${sink.mailboxUrl}`
          : `  mail       ${process.env.SMTP_HOST}`,
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
  }
  const codes = await Promise.all(exits);
  await sink?.close();
  process.exit(stopping && codes.every((code) => code === 0) ? 0 : 1);
}

await main();
