import { DomainError } from '@rampart/http';

/** Driver-adapter error kinds that mean PostgreSQL cannot be reached or dropped the connection. */
const UNREACHABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TlsConnectionError',
]);
/** Prisma error codes of the same: server unreachable, timed out, closed, pool or transaction start timed out. */
const UNREACHABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028']);
/** Node's socket errors, and node-postgres's messages when the pool cannot connect or the server went away. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);
const POOL_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /server closed the connection/i,
];

function fieldOf(value: unknown, field: string): unknown {
  return typeof value === 'object' && value !== null && field in value
    ? (value as Record<string, unknown>)[field]
    : undefined;
}

function unreachable(error: unknown, depth: number): boolean {
  if (depth > 4 || typeof error !== 'object' || error === null) return false;
  const kind = fieldOf(error, 'kind');
  const code = fieldOf(error, 'code');
  const message = fieldOf(error, 'message');
  if (typeof kind === 'string' && UNREACHABLE_KINDS.has(kind)) return true;
  if (typeof code === 'string' && (UNREACHABLE_CODES.has(code) || SOCKET_CODES.has(code))) return true;
  if (fieldOf(error, 'name') === 'PrismaClientInitializationError') return true;
  if (typeof message === 'string' && POOL_MESSAGES.some((pattern) => pattern.test(message))) return true;
  return unreachable(fieldOf(error, 'cause'), depth + 1);
}

/**
 * The problem for an error that means PostgreSQL is out of reach (down, unreachable, the pool unable
 * to connect in time): 503 `database_unavailable`, a condition to retry, not a defect. Undefined for
 * any other error. Prisma's and node-postgres's error shapes are known only here, in libs/db.
 */
export function databaseUnavailable(error: unknown): DomainError | undefined {
  if (!unreachable(error, 0)) return undefined;
  return new DomainError(
    'database_unavailable',
    503,
    'The database is unavailable right now; try again shortly.',
    {},
    {
      'retry-after': '5',
    },
  );
}
