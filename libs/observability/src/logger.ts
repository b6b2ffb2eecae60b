import type { IncomingMessage, ServerResponse } from 'node:http';
import { type DynamicModule, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { LoggerOptions } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import type { RuntimeConfigShape } from '@rampart/config';
import { sanitizeLogLine } from './log-sanitizer';
import { REDACTED_PATHS } from './redaction';

/** A raw request as the API's Fastify hooks leave it: with the matched route template (and `id`, from pino-http's typing). */
export interface TracedRequest extends IncomingMessage {
  routeTemplate?: string;
}

/** The pino options both apps share: level, redaction, ISO time, ASCII-only and e-mail-masked lines. */
export function pinoOptions(config: RuntimeConfigShape, service: string): LoggerOptions {
  return {
    level: config.log.level,
    base: { service, env: config.env, commit: config.release.commitSha },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    hooks: { streamWrite: sanitizeLogLine },
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

/** Fields an app adds to a request's log line from its own request context (who the caller was). */
export type RequestLogFields = (req: IncomingMessage) => Record<string, string | undefined>;

/**
 * nestjs-pino for an HTTP app: one line per request with its id, method, route template, status and
 * latency, plus what `requestFields` adds. Health probes and scrapes are logged at debug so they do not drown
 * real traffic.
 */
export function httpLoggerModule(
  config: RuntimeConfigShape,
  service: string,
  requestFields?: RequestLogFields,
): DynamicModule {
  const pinoHttp: PinoHttpOptions = {
    ...pinoOptions(config, service),
    quietReqLogger: true,
    customAttributeKeys: { responseTime: 'latencyMs' },
    customLogLevel: (req, res, error) => {
      if (error || res.statusCode >= 500) return 'error';
      if (res.statusCode >= 400) return 'warn';
      const url = req.url ?? '';
      return url.startsWith('/health') || url === '/metrics' ? 'debug' : 'info';
    },
    // pino-http invents an Error ("failed with status code 503") for every 5xx; the exception
    // filter already logged the real cause under an error id, so keep the request line clean.
    customErrorObject: (_req, _res, error: Error, value: Record<string, unknown>) =>
      error.message.startsWith('failed with status code') ? { ...value, err: undefined } : value,
    // Called again when the response is logged, by when the guards have named the caller.
    customProps: (req: IncomingMessage) => ({
      route: (req as TracedRequest).routeTemplate,
      ...requestFields?.(req),
    }),
    serializers: {
      req: (req: { id?: string; method?: string; url?: string; headers?: Record<string, unknown> }) => ({
        id: req.id,
        method: req.method,
        url: req.url,
        userAgent: req.headers?.['user-agent'],
      }),
      res: (res: ServerResponse | { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
  return LoggerModule.forRoot({
    pinoHttp,
    assignResponse: false,
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
  });
}
