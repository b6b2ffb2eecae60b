import net from 'node:net';

/** A dependency the process needs at start-up is not there. The message says how to start it. */
export class DependencyUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DependencyUnavailableError';
  }
}

const HOW_TO_START: Record<string, string> = {
  postgresql:
    'start PostgreSQL (this machine: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set DATABASE_URL',
  redis:
    'start Redis (this machine: redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no) or set REDIS_URL',
};

function redact(url: URL): string {
  const copy = new URL(url.toString());
  if (copy.password) copy.password = '***';
  return copy.toString();
}

/**
 * Fails fast, in one line, when a dependency's TCP port does not answer: a clearer message than
 * the retry loops of pg and ioredis, which would otherwise keep a half-started process waiting.
 */
export async function assertReachable(
  kind: 'postgresql' | 'redis',
  url: string,
  timeoutMs = 3_000,
): Promise<void> {
  const parsed = new URL(url);
  const port = Number(parsed.port || (kind === 'redis' ? 6379 : 5432));
  const host = parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    const fail = (reason: string): void => {
      socket.destroy();
      reject(
        new DependencyUnavailableError(
          `${kind} is unreachable at ${redact(parsed)} (${reason}); ${HOW_TO_START[kind]}`,
        ),
      );
    };
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('timeout', () => fail(`no answer within ${timeoutMs} ms`));
    socket.once('error', (error: NodeJS.ErrnoException) => fail(error.code ?? error.message));
  });
}
