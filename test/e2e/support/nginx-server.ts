import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../support/free-port.mts';
import type { TestCertificates } from './tls-certs';

const ROOT = path.resolve(__dirname, '../../..');
/** The production configuration, run as it is: only environment/ differs (see the file's header). */
export const PRODUCTION_CONFIG = path.join(ROOT, 'docker/nginx/nginx.conf');
/** Debian's nginx (`.ci/run` installs it). */
export const NGINX_BINARY = '/usr/sbin/nginx';
const PRODUCTION_UPSTREAM = path.join(ROOT, 'docker/nginx/environment/upstream.conf');
const STOP_GRACE_MS = 5_000;

const runFile = promisify(execFile);

export interface NginxOptions {
  /** host:port of each API replica, the `server` lines of the `api` upstream. */
  upstreams: string[];
  certificates: TestCertificates;
}

/** nginx's version from `nginx -v`, as [major, minor, patch]. */
async function nginxVersion(): Promise<number[]> {
  const { stderr } = await runFile(NGINX_BINARY, ['-v']);
  const match = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(stderr);
  if (!match) throw new Error(`cannot read the nginx version from: ${stderr}`);
  return match.slice(1).map(Number);
}

/**
 * HTTP/2 on the TLS port: `http2 on` (production's nginx 1.28) exists from 1.25.1; older ones
 * (Debian bookworm's 1.22) take it as a `listen` parameter. Either way the policy is the same.
 */
function httpsListen(port: number, version: number[]): string {
  const [major = 0, minor = 0, patch = 0] = version;
  const modern = major > 1 || minor > 25 || (minor === 25 && patch >= 1);
  return modern
    ? `listen 127.0.0.1:${port} ssl default_server;\nhttp2 on;\n`
    : `listen 127.0.0.1:${port} ssl http2 default_server;\n`;
}

/**
 * The parameters of production's replica `server` line (max_fails, fail_timeout: what the rolling
 * update depends on), minus `resolve`, which needs Docker's DNS and a name instead of an address.
 */
async function productionServerParameters(): Promise<string[]> {
  const text = (await readFile(PRODUCTION_UPSTREAM, 'utf8')).replace(/#.*$/gm, '');
  const line = /^\s*server\s+\S+([^;]*);/m.exec(text);
  if (!line) throw new Error(`${PRODUCTION_UPSTREAM} has no server line`);
  return (line[1] ?? '').split(/\s+/).filter((parameter) => parameter !== '' && parameter !== 'resolve');
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * docker/nginx/nginx.conf run by the machine's nginx in a temporary prefix: the file is copied byte
 * for byte, and environment/ is written here instead of compose's (loopback ports, these upstreams,
 * writable log, pid and temp paths). Everything else (TLS, headers, redirects, rate limits, what
 * is proxied) is the production text.
 */
export class NginxServer {
  /** What nginx wrote to stderr (the error log goes there too). */
  readonly output: string[] = [];
  private readonly exited: Promise<void>;
  private running = true;

  private constructor(
    private readonly child: ChildProcess,
    readonly prefix: string,
    readonly httpPort: number,
    readonly httpsPort: number,
    readonly healthPort: number,
  ) {
    child.stderr?.on('data', (chunk: Buffer) =>
      this.output.push(...chunk.toString('utf8').split('\n').filter(Boolean)),
    );
    this.exited = new Promise((resolve) => {
      child.once('close', () => {
        this.running = false;
        resolve();
      });
    });
  }

  get httpsUrl(): string {
    return `https://localhost:${this.httpsPort}`;
  }

  get httpUrl(): string {
    return `http://localhost:${this.httpPort}`;
  }

  /** The access log so far, one line per request (the production `main` format). */
  async accessLog(): Promise<string[]> {
    const text = await readFile(path.join(this.prefix, 'logs/access.log'), 'utf8').catch(() => '');
    return text.split('\n').filter(Boolean);
  }

  /** Writes the prefix, checks it with `nginx -t`, starts nginx in the foreground and waits for its ports. */
  static async start(options: NginxOptions): Promise<NginxServer> {
    if (!existsSync(NGINX_BINARY)) {
      throw new Error(
        `${NGINX_BINARY} is missing: install Debian's nginx (apt-get install nginx; .ci/run does)`,
      );
    }
    const prefix = await mkdtemp(path.join(os.tmpdir(), 'rampart-nginx-'));
    try {
      const [httpPort, httpsPort, healthPort] = [await freePort(), await freePort(), await freePort()];
      const config = await NginxServer.writePrefix(prefix, options, { httpPort, httpsPort, healthPort });
      const args = ['-p', `${prefix}/`, '-c', config];
      await runFile(NGINX_BINARY, ['-t', '-q', ...args]).catch((error: unknown) => {
        const stderr = (error as { stderr?: unknown }).stderr;
        const detail = typeof stderr === 'string' ? stderr : error instanceof Error ? error.message : '';
        throw new Error(`nginx -t refused the configuration:\n${detail}`);
      });
      // daemon off: the master stays this process's child, so the test owns it and stops it by pid.
      const child = spawn(NGINX_BINARY, [...args, '-g', 'daemon off;'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const nginx = new NginxServer(child, prefix, httpPort, httpsPort, healthPort);
      const deadline = Date.now() + 10_000;
      while (!(await portAccepts(httpsPort)) || !(await portAccepts(httpPort))) {
        if (!nginx.running || Date.now() > deadline) {
          await nginx.stop();
          throw new Error(`nginx did not start:\n${nginx.output.join('\n')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return nginx;
    } catch (error) {
      await rm(prefix, { recursive: true, force: true });
      throw error;
    }
  }

  private static async writePrefix(
    prefix: string,
    options: NginxOptions,
    ports: { httpPort: number; httpsPort: number; healthPort: number },
  ): Promise<string> {
    const asRoot = process.getuid?.() === 0;
    for (const dir of ['environment', 'certs', 'logs', 'temp']) await mkdir(path.join(prefix, dir));
    if (asRoot) {
      // The workers run as nobody and must reach their temp directories (nginx creates and chowns them).
      await chmod(prefix, 0o755);
      await chmod(path.join(prefix, 'temp'), 0o755);
    }
    const config = path.join(prefix, 'nginx.conf');
    await copyFile(PRODUCTION_CONFIG, config);
    await writeFile(path.join(prefix, 'certs/fullchain.pem'), options.certificates.fullchain);
    await writeFile(path.join(prefix, 'certs/privkey.pem'), options.certificates.privkey, { mode: 0o600 });
    const serverParameters = await productionServerParameters();
    const temp = (name: string): string => `${name}_temp_path ${path.join(prefix, 'temp', name)};`;
    const snippets: Record<string, string> = {
      // As root, workers drop to nobody as they would to compose's `nginx` user; otherwise there is no user to switch to.
      'main.conf': [
        asRoot ? 'user nobody nogroup;' : '',
        `error_log stderr warn;`,
        `pid ${path.join(prefix, 'nginx.pid')};`,
      ].join('\n'),
      'http.conf': [
        `access_log ${path.join(prefix, 'logs/access.log')} main;`,
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp),
      ].join('\n'),
      'upstream.conf': options.upstreams
        .map((address) => ['server', address, ...serverParameters].join(' ') + ';')
        .join('\n'),
      'listen-http.conf': `listen 127.0.0.1:${ports.httpPort} default_server;`,
      'listen-https.conf': httpsListen(ports.httpsPort, await nginxVersion()),
      'listen-health.conf': `listen 127.0.0.1:${ports.healthPort};`,
    };
    for (const [name, text] of Object.entries(snippets)) {
      await writeFile(path.join(prefix, 'environment', name), `${text}\n`);
    }
    return config;
  }

  /** Graceful stop (SIGQUIT: finish what is in flight), SIGKILL after 5 s; removes the prefix. */
  async stop(): Promise<void> {
    if (this.running) {
      this.child.kill('SIGQUIT');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
      await this.exited;
      clearTimeout(timer);
    }
    await rm(this.prefix, { recursive: true, force: true });
  }
}
