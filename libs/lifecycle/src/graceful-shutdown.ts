import type { INestApplicationContext, LoggerService } from '@nestjs/common';

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
