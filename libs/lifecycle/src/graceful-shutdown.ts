import type { Server } from 'node:http';
import type { INestApplication, INestApplicationContext, LoggerService } from '@nestjs/common';

export interface ShutdownOptions {
  /** After this long the process exits 1 even if closing has not finished. */
  timeoutMs: number;
  logger: LoggerService;
  /** Runs before the Nest app closes (the worker stops taking jobs here). */
  beforeClose?: () => Promise<void>;
  exit?: (code: number) => never;
}

/**
 * SIGTERM / SIGINT: stop taking work, let in-flight work finish, close connections, exit 0.
 * Nest's own enableShutdownHooks re-raises the signal after closing, which makes the exit status
 * 143 instead of 0, so the apps install this instead. A second signal or the timeout exits 1.
 */
export function installGracefulShutdown(app: INestApplicationContext, options: ShutdownOptions): void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) {
      options.logger.warn?.(`${signal} again: exiting now`);
      exit(1);
    }
    closing = true;
    options.logger.log(`${signal} received: draining and closing`);
    const timer = setTimeout(() => {
      options.logger.error(`shutdown did not finish within ${options.timeoutMs} ms: exiting`);
      exit(1);
    }, options.timeoutMs);
    timer.unref();
    const run = async (): Promise<void> => {
      // Nest's close() runs onModuleDestroy (disconnecting PostgreSQL and Redis) before it closes
      // the HTTP server, which would fail the requests still in flight. So the server goes first:
      // it stops listening at once and resolves when the last in-flight request has been answered.
      if (isHttpApp(app)) await drainHttp(app);
      await options.beforeClose?.();
      await app.close();
    };
    run().then(
      () => {
        options.logger.log('shutdown complete');
        exit(0);
      },
      (error: unknown) => {
        options.logger.error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

/**
 * Closes the HTTP server and waits for in-flight requests. Node closes the keep-alive connections
 * that are idle when close() is called, but a connection whose request finishes later would stay
 * open until its keep-alive timeout (72 s in Fastify) and hold the shutdown; sweeping idle
 * connections while draining ends each one as soon as its last response is out.
 */
async function drainHttp(app: INestApplication): Promise<void> {
  const server = app.getHttpServer() as Server;
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  try {
    await app.getHttpAdapter().close();
  } finally {
    clearInterval(sweep);
  }
}

function isHttpApp(app: INestApplicationContext): app is INestApplication {
  return typeof (app as Partial<INestApplication>).getHttpAdapter === 'function';
}
