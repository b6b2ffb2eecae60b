import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.mts';

export const PROMETHEUS_PATH = '/usr/bin/prometheus';

/** One series of an instant query's answer. */
export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

export interface PrometheusTarget {
  job: string;
  url: string;
}

/**
 * A real Prometheus server (Debian's binary) scraping the given targets every second, with its
 * data in a temporary folder removed on stop. Queried through its HTTP API, as Grafana does.
 */
export class PrometheusServer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly folder: string,
    readonly url: string,
    readonly output: string[],
  ) {}

  static async start(targets: PrometheusTarget[], ruleFiles: string[] = []): Promise<PrometheusServer> {
    if (!existsSync(PROMETHEUS_PATH)) {
      throw new Error(
        `${PROMETHEUS_PATH} is missing: install Debian's prometheus package (apt-get install prometheus); .ci/run does it`,
      );
    }
    const folder = await mkdtemp(path.join(tmpdir(), 'rampart-prometheus-'));
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      '  evaluation_interval: 1s',
      ...(ruleFiles.length ? ['rule_files:', ...ruleFiles.map((file) => `  - ${JSON.stringify(file)}`)] : []),
      'scrape_configs:',
      ...targets.flatMap(({ job, url }) => [
        `  - job_name: ${job}`,
        `    static_configs:`,
        `      - targets: [${JSON.stringify(new URL(url).host)}]`,
      ]),
    ].join('\n');
    await writeFile(path.join(folder, 'prometheus.yml'), `${config}\n`);
    const port = await freePort();
    const child = spawn(
      PROMETHEUS_PATH,
      [
        `--config.file=${path.join(folder, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(folder, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean)));
    }
    const server = new PrometheusServer(child, folder, `http://127.0.0.1:${port}`, output);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const ready = await fetch(`${server.url}/-/ready`).then(
        (response) => response.ok,
        () => false,
      );
      if (ready) return server;
      if (child.exitCode !== null || Date.now() > deadline) {
        await server.stop();
        throw new Error(`prometheus did not become ready:\n${output.slice(-20).join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** An instant query; throws with Prometheus's own error for a query it refuses. */
  async query(expression: string): Promise<PromSample[]> {
    const response = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expression)}`);
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    if (body.status !== 'success' || !body.data)
      throw new Error(`query ${expression}: ${body.error ?? response.status}`);
    if (body.data.resultType !== 'vector') throw new Error(`query ${expression}: a ${body.data.resultType}`);
    return body.data.result.map(({ metric, value }) => ({ metric, value: Number(value[1]) }));
  }

  /** The sum of an instant query's series (NaN when it has none). */
  async value(expression: string): Promise<number> {
    const samples = await this.query(expression);
    return samples.length ? samples.reduce((sum, sample) => sum + sample.value, 0) : Number.NaN;
  }

  /** Every metric name Prometheus holds series of. */
  async metricNames(): Promise<string[]> {
    const response = await fetch(`${this.url}/api/v1/label/__name__/values`);
    return ((await response.json()) as { data: string[] }).data;
  }

  /** The rule groups it loaded, with each rule's health after its last evaluation. */
  async rules(): Promise<{ name: string; rules: { name: string; health: string; lastError?: string }[] }[]> {
    const response = await fetch(`${this.url}/api/v1/rules`);
    return (
      (await response.json()) as {
        data: { groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] };
      }
    ).data.groups;
  }

  /** The alerts the server's rules have pending or firing. */
  async alerts(): Promise<{ labels: Record<string, string>; state: string }[]> {
    const response = await fetch(`${this.url}/api/v1/alerts`);
    return (
      (await response.json()) as { data: { alerts: { labels: Record<string, string>; state: string }[] } }
    ).data.alerts;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    await rm(this.folder, { recursive: true, force: true });
  }
}
