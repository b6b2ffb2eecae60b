import type { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { LoggerOptions } from 'pino';
import type { RuntimeConfigShape } from '@rampart/config';
import { sanitizeLogLine } from './log-sanitizer';
import { REDACTED_PATHS } from './redaction';

/** The fields every line written while a request is handled carries (its id), if any. */
export type RequestBindings = () => Record<string, string>;

/** The pino options both apps share: level, redaction, ISO time, ASCII-only and e-mail-masked lines. */
export function pinoOptions(
  config: RuntimeConfigShape,
  service: string,
  requestBindings?: RequestBindings,
): LoggerOptions {
  return {
    level: config.log.level,
    base: { service, env: config.env, commit: config.release.commitSha },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    hooks: { streamWrite: sanitizeLogLine },
    // Called only for a line that is written, so it costs nothing per request.
    ...(requestBindings ? { mixin: requestBindings } : {}),
    ...(config.log.pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' },
          },
        }
      : {}),
  };
}

/**
 * nestjs-pino for an app: Nest's and the app's own logs as JSON lines through one root logger.
 * Its per-request middleware is not mounted (`forRoutes: []`): it built a child logger for every
 * request whether or not anything was logged. The request line is written by the app's
 * onResponse hook (installRequestTelemetry) instead, and lines written during a request get its id
 * from `requestBindings`.
 */
export function httpLoggerModule(
  config: RuntimeConfigShape,
  service: string,
  requestBindings?: RequestBindings,
): DynamicModule {
  return LoggerModule.forRoot({
    // Lines carry `req` and `res` as plain objects the request hook built, not raw requests for
    // pino-http's serializers to read.
    pinoHttp: { ...pinoOptions(config, service, requestBindings), wrapSerializers: false },
    forRoutes: [],
  });
}
