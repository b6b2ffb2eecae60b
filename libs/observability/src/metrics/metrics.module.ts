import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { RuntimeConfigShape } from '@rampart/config';
import { Metrics, type MetricsIdentity } from './metrics';
import { ReadinessMetrics } from './readiness.metrics';

/** The process's Metrics, and the instruments several features share, for every module of an app. */
@Global()
@Module({})
export class MetricsModule {
  static forApp(config: RuntimeConfigShape, service: MetricsIdentity['service']): DynamicModule {
    const metrics = new Metrics({
      service,
      commit: config.release.commitSha,
      build: config.release.buildId,
      env: config.env,
    });
    return {
      module: MetricsModule,
      providers: [{ provide: Metrics, useValue: metrics }, ReadinessMetrics],
      exports: [Metrics, ReadinessMetrics],
    };
  }
}
