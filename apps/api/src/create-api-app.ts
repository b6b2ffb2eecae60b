import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import { ValidationPipe, VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { ValidationError } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { Logger } from 'nestjs-pino';
import type { ApiConfigShape } from '@rampart/config';
import { databaseUnavailable } from '@rampart/db';
import { ApiModule } from './api.module';
import { compileTrust, requestIdGenerator } from './common/http/client-address';
import { clientErrorHandler, frameworkErrorHandler } from './common/http/edge-errors';
import { releaseHeaders, securityHeaders } from './common/http/edge-headers';
import { installHttpPipeline } from './common/http/http-pipeline';
import { ApiTraffic, installApiTraffic } from './dashboard/api-traffic';
import { mountDashboardPage } from './dashboard/page/dashboard-page';
import { mountQueueDashboard } from './queues/queue-dashboard';
import { ProblemDetailsFilter, validationProblem } from '@rampart/http';
import { Metrics, installMetricsRoute, installRequestTelemetry } from '@rampart/observability';
import { principalName } from './identity/principal';
import { requestContextOf } from './identity/request-context';

const EXPOSED_HEADERS = ['X-Request-ID', 'Location', 'ETag', 'Retry-After', 'RateLimit', 'RateLimit-Policy'];

function fieldErrors(errors: ValidationError[], prefix = ''): Record<string, string[]> {
  const grouped: Record<string, string[]> = {};
  for (const error of errors) {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    if (error.constraints) grouped[field] = Object.values(error.constraints);
    Object.assign(grouped, fieldErrors(error.children ?? [], field));
  }
  return grouped;
}

/** The request log line names the caller the guards authenticated, if any. */
function callerLogFields(request: FastifyRequest): { principal?: string } {
  const principal = requestContextOf(request)?.principal;
  return principal ? { principal: principalName(principal) } : {};
}

/**
 * Builds the API exactly as production runs it (adapter, security headers, CORS, error format,
 * validation, versioning, docs), without listening. main.ts and the e2e tests both use it.
 */
export async function createApiApp(config: ApiConfigShape): Promise<NestFastifyApplication> {
  const trust = compileTrust(config.http.trustProxy);
  const strict = config.env === 'production' || config.env === 'staging';
  // What the router and Node's HTTP parser reject never reaches a hook; these answer it with the
  // same headers and problem+json as everything else.
  const edgeHeaders = { ...releaseHeaders(config), ...securityHeaders(strict) };
  const adapter = new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: trust,
    requestIdHeader: false,
    genReqId: requestIdGenerator(trust),
    return503OnClosing: true,
    frameworkErrors: frameworkErrorHandler(edgeHeaders),
    clientErrorHandler: clientErrorHandler(edgeHeaders),
  });
  // A JSON API: no form-body parser (bodyParser: false), and Fastify's text/plain parser goes too
  // (installHttpPipeline), so any other content type gets 415 instead of a string body.
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule.forConfig(config), adapter, {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));

  // First, so its request hook runs before CORS's (a preflight is answered in CORS's): every answer
  // carries the release and security headers (helmet's, see securityHeaders).
  const fastify = app.getHttpAdapter().getInstance();
  installHttpPipeline(fastify, edgeHeaders, config);
  installRequestTelemetry(fastify, {
    metrics: config.metrics.enabled ? app.get(Metrics) : null,
    requestFields: callerLogFields,
  });
  // The dashboard's cross-process error rate and p95: a map increment per answer, flushed each second.
  installApiTraffic(fastify, app.get(ApiTraffic));
  if (config.metrics.enabled) installMetricsRoute(fastify, app.get(Metrics), config.metrics.token);
  await app.register(cors, {
    origin: config.http.corsOrigins.includes('*') ? true : config.http.corsOrigins,
    credentials: true,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
  // Cookies are only read here (browser mode sets its own, unsigned: their values are tokens or HMACs).
  await app.register(cookie);

  app.enableVersioning({ type: VersioningType.URI, prefix: 'v' });
  app.useGlobalFilters(new ProblemDetailsFilter([databaseUnavailable]));
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => validationProblem(fieldErrors(errors)),
    }),
  );

  if (config.queueDashboardEnabled) await mountQueueDashboard(app);
  if (config.adminDashboardEnabled) await mountDashboardPage(app);

  if (config.docsEnabled) {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Rampart API')
        .setDescription(
          'Identity, access control, feature flags and safe rollouts. Errors are application/problem+json.',
        )
        .setVersion(config.release.rulesetVersion)
        .addBearerAuth()
        .build(),
    );
    SwaggerModule.setup('docs', app, document, {
      jsonDocumentUrl: 'docs/json',
      yamlDocumentUrl: 'docs/yaml',
    });
  }
  return app;
}
