import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';

/** Who this process is, for `rampart_build_info` and the `service` of its metrics. */
export interface MetricsIdentity {
  service: 'api' | 'worker';
  commit: string;
  build: string;
  env: string;
}

type Named<C> = Omit<C, 'registers'>;

/**
 * The process's one Prometheus registry (prom-client), served at `GET /metrics`. Features declare
 * their instruments through it, each in a `*.metrics.ts` of their own, so every metric has one
 * owner and one definition. A registry per instance rather than prom-client's global one: the
 * integration tests boot several apps in one process, and each must count for itself.
 *
 * With node's default metrics (memory, CPU, event-loop lag, GC) and `rampart_build_info`.
 */
export class Metrics {
  readonly registry = new Registry();

  constructor(identity: MetricsIdentity) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'rampart_build_info',
      help: 'Always 1; the labels say which build this process runs.',
      labelNames: ['service', 'commit', 'build', 'env'],
      registers: [this.registry],
    }).set(
      { service: identity.service, commit: identity.commit, build: identity.build, env: identity.env },
      1,
    );
  }

  counter<L extends string = never>(config: Named<CounterConfiguration<L>>): Counter<L> {
    return new Counter({ ...config, registers: [this.registry] });
  }

  gauge<L extends string = never>(config: Named<GaugeConfiguration<L>>): Gauge<L> {
    return new Gauge({ ...config, registers: [this.registry] });
  }

  histogram<L extends string = never>(config: Named<HistogramConfiguration<L>>): Histogram<L> {
    return new Histogram({ ...config, registers: [this.registry] });
  }

  /** The exposition: Prometheus text format, with its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
