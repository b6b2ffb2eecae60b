// The framework's own floor for the healthz benchmark: NestJS on its Fastify adapter with one
// controller answering GET /__healthz with the same JSON as the API and bare-fastify.mts. No guards,
// pipes, filters, plugins, hooks or logger: what Nest's routing and handler pipeline cost by
// themselves, so a run shows how much of the API's gap to bare Fastify is Nest's and how much its own.
//
//   BENCH_NEST_PORT=<port> node scripts/bench/nest-hello.mts
//
// Listens on 127.0.0.1 and prints one line, `nest-hello listening on http://127.0.0.1:<port>`.
//
// Keep this file free of TypeScript-only syntax (decorators included: they are applied
// by hand): like bare-fastify.mts, the benchmark runs its text with
// `node --input-type=module --eval`.
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';

const port = Number(process.env.BENCH_NEST_PORT);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error('nest-hello: set BENCH_NEST_PORT');
  process.exit(2);
}

class HealthController {
  healthz() {
    return { status: 'ok', env: 'test', time: new Date().toISOString() };
  }
}
// Decorators applied by hand: what `@Get('__healthz')`, `@Controller()` and `@Module(…)` would do.
Get('__healthz')(
  HealthController.prototype,
  'healthz',
  Object.getOwnPropertyDescriptor(HealthController.prototype, 'healthz') ?? {},
);
Controller()(HealthController);

class HelloModule {}
Module({ controllers: [HealthController] })(HelloModule);

const app = await NestFactory.create(HelloModule, new FastifyAdapter(), { logger: false });
app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
await app.listen(port, '127.0.0.1');
console.log(`nest-hello listening on http://127.0.0.1:${port}`);
