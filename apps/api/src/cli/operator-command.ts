import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadApiConfig } from '@rampart/config';
import { ApiModule } from '../api.module';

/**
 * Runs an operator command against the API's own providers (configured from the environment exactly
 * as the API is, so it sees the same keys, database and Redis), then exits with its code. A failure
 * prints one line (a ConfigError's message, otherwise the stack) on stderr and exits 1.
 */
export function runOperatorCommand(
  name: string,
  command: (app: INestApplicationContext) => Promise<number>,
): void {
  const run = async (): Promise<number> => {
    const config = loadApiConfig();
    const app = await NestFactory.createApplicationContext(
      ApiModule.forConfig({ ...config, log: { ...config.log, level: 'warn' } }),
      { logger: ['error', 'warn'] },
    );
    try {
      return await command(app);
    } finally {
      await app.close();
    }
  };
  run().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(
        `${name}: ${error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
