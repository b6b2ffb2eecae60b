// Static checks of the production deployment (compose.prod.yml, the Dockerfiles, nginx, Prometheus and
// Alertmanager configuration). There is no Docker engine in CI, so these catch the mistakes that would
// otherwise surface only on the first deploy: a missing healthcheck, an inline secret, a CMD pointing at
// a file the build does not produce, a proxy that drops the request id. The alert rules and the
// dashboards have specs of their own (prometheus-rules.spec.ts, dashboards.spec.ts).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { API_NODE_FLAGS } from '../support/server-process.mts';

const ROOT = path.resolve(__dirname, '../..');

function read(relative: string): string {
  return readFileSync(path.join(ROOT, relative), 'utf8');
}

type EnvValue = string | number | boolean | null;

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  environment?: Record<string, EnvValue> | string[];
  env_file?: string | (string | { path: string })[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  restart?: string;
  deploy?: { replicas?: number };
  depends_on?: string[] | Record<string, { condition?: string }>;
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  ports?: (string | number | { target?: number; published?: string | number; host_ip?: string })[];
  stop_grace_period?: string;
}

interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(read('compose.prod.yml')) as ComposeFile;

function service(name: string): Service {
  const found = compose.services[name];
  if (!found) throw new Error(`compose.prod.yml has no service "${name}"`);
  return found;
}

/** `environment` in either compose form, as [name, value] pairs (`undefined`: passed through from the shell). */
function environment(svc: Service): [string, EnvValue | undefined][] {
  const env = svc.environment ?? {};
  if (!Array.isArray(env)) return Object.entries(env);
  return env.map((entry): [string, string | undefined] => {
    const eq = entry.indexOf('=');
    return eq === -1 ? [entry, undefined] : [entry.slice(0, eq), entry.slice(eq + 1)];
  });
}

function envFiles(svc: Service): string[] {
  const files = svc.env_file === undefined ? [] : [svc.env_file].flat();
  return files.map((file) => (typeof file === 'string' ? file : file.path));
}

/** The healthcheck command as one string, whatever form it was written in. */
function healthcheckCommand(svc: Service): string {
  const test = svc.healthcheck?.test;
  return Array.isArray(test) ? test.join(' ') : (test ?? '');
}

function dependencyCondition(svc: Service, dependency: string): string | undefined {
  const deps = svc.depends_on;
  if (deps === undefined) return undefined;
  if (Array.isArray(deps)) return deps.includes(dependency) ? 'service_started' : undefined;
  return deps[dependency]?.condition ?? (dependency in deps ? 'service_started' : undefined);
}

/** Container-side ports a service publishes ('443:443', '127.0.0.1:80:80/tcp' or the long form). */
function publishedContainerPorts(svc: Service): number[] {
  return (svc.ports ?? []).map((port) => {
    if (typeof port === 'number') return port;
    if (typeof port === 'object') return Number(port.target);
    return Number(port.split('/')[0]?.split(':').at(-1));
  });
}

/** [source, target] of each volume entry. */
function mounts(svc: Service): [string, string][] {
  return (svc.volumes ?? []).map((volume): [string, string] => {
    if (typeof volume === 'object') return [volume.source ?? '', volume.target ?? ''];
    const [source = '', target = ''] = volume.split(':');
    return [source, target];
  });
}

const LONG_RUNNING = ['postgres', 'redis', 'api', 'worker', 'nginx', 'prometheus', 'alertmanager', 'grafana'];

describe('compose.prod.yml', () => {
  it('defines the whole stack, including the one-off migration', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      expect.arrayContaining([...LONG_RUNNING, 'migrate'].sort()),
    );
  });

  it.each(LONG_RUNNING)('%s restarts on its own and has a healthcheck', (name) => {
    const svc = service(name);
    expect(svc.restart).toMatch(/^(unless-stopped|always|on-failure(:\d+)?)$/);
    expect(svc.healthcheck?.disable).not.toBe(true);
    const test = svc.healthcheck?.test;
    expect(Array.isArray(test) ? test.length : (test?.trim().length ?? 0)).toBeGreaterThan(1);
    // NONE would switch the image's own healthcheck off instead of defining one.
    expect(Array.isArray(test) ? test[0] : test).not.toBe('NONE');
  });

  it('builds only from Dockerfiles that exist', () => {
    const dockerfiles = Object.values(compose.services).flatMap((svc) =>
      typeof svc.build === 'object' && svc.build.dockerfile !== undefined
        ? [path.join(svc.build.context ?? '.', svc.build.dockerfile)]
        : [],
    );
    expect(dockerfiles.length).toBeGreaterThanOrEqual(2);
    for (const dockerfile of dockerfiles) {
      expect({ dockerfile, exists: existsSync(path.join(ROOT, dockerfile)) }).toEqual({
        dockerfile,
        exists: true,
      });
    }
  });

  it('runs migrate once, after PostgreSQL is healthy, with the migration script from the API image', () => {
    const migrate = service('migrate');
    expect(migrate.restart).toBe('no');
    expect(dependencyCondition(migrate, 'postgres')).toBe('service_healthy');
    expect([migrate.command].flat().join(' ')).toBe('node scripts/db.mts migrate');
    expect(existsSync(path.join(ROOT, 'scripts/db.mts'))).toBe(true);
    expect(migrate.build).toEqual(service('api').build);
  });

  it('runs two API replicas that wait for healthy stores and a successful migration', () => {
    const api = service('api');
    expect(api.deploy?.replicas).toBe(2);
    expect(dependencyCondition(api, 'postgres')).toBe('service_healthy');
    expect(dependencyCondition(api, 'redis')).toBe('service_healthy');
    expect(dependencyCondition(api, 'migrate')).toBe('service_completed_successfully');
    expect(dependencyCondition(service('worker'), 'migrate')).toBe('service_completed_successfully');
  });

  it.each<[string, string, number]>([
    ['api', 'API_HOST', 3000],
    ['worker', 'WORKER_HOST', 3001],
  ])(
    '%s listens on all interfaces, checks its readiness and drains before being killed',
    (name, hostVar, port) => {
      const svc = service(name);
      expect(Object.fromEntries(environment(svc))[hostVar]).toBe('0.0.0.0');
      expect(healthcheckCommand(svc)).toContain(`127.0.0.1:${port}/health/ready`);
      // Longer than the apps' 10 s SHUTDOWN_TIMEOUT_MS, or Docker kills them mid-drain.
      expect(svc.stop_grace_period).toBe('15s');
    },
  );

  it('keeps Redis data in an append-only file on a named volume', () => {
    const redis = service('redis');
    expect(redis.image).toMatch(/^redis:7\b/);
    const command = [redis.command].flat().join(' ');
    expect(command).toMatch(/--appendonly yes\b/);
    expect(healthcheckCommand(redis)).toContain('redis-cli ping');
    expect(mounts(redis)).toContainEqual(['redis-data', '/data']);
    expect(compose.volumes).toHaveProperty(['redis-data']);
  });

  it('runs Alertmanager with its configuration and keeps silences on a named volume', () => {
    const alertmanager = service('alertmanager');
    expect(alertmanager.image).toMatch(/^prom\/alertmanager:v\d/);
    expect([alertmanager.command].flat().join(' ')).toContain(
      '--config.file=/etc/alertmanager/alertmanager.yml',
    );
    expect(mounts(alertmanager)).toContainEqual(['alertmanager-data', '/alertmanager']);
    expect(compose.volumes).toHaveProperty(['alertmanager-data']);
  });

  it('keeps PostgreSQL 15 data on a named volume and checks it with pg_isready', () => {
    const postgres = service('postgres');
    // The data directory format is tied to the major version: an unpinned image would break it.
    expect(postgres.image).toMatch(/^postgres:15\b/);
    expect(healthcheckCommand(postgres)).toContain('pg_isready');
    expect(mounts(postgres)).toContainEqual(['postgres-data', '/var/lib/postgresql/data']);
    expect(compose.volumes).toHaveProperty(['postgres-data']);
  });

  it('publishes only nginx to the world, on 80 and 443', () => {
    expect(publishedContainerPorts(service('nginx'))).toEqual(expect.arrayContaining([80, 443]));
    // Anything else may be published on loopback only (reached through an SSH tunnel).
    const loopback = (port: NonNullable<Service['ports']>[number]): boolean =>
      typeof port === 'object' ? port.host_ip === '127.0.0.1' : String(port).startsWith('127.0.0.1:');
    const exposed = Object.entries(compose.services).flatMap(([name, svc]) =>
      name === 'nginx'
        ? []
        : (svc.ports ?? []).filter((port) => !loopback(port)).map((port) => ({ name, port })),
    );
    expect(exposed).toEqual([]);
  });

  it('mounts the nginx, Prometheus, Alertmanager and Grafana configuration that exists in the repository', () => {
    const expected: [string, string, string][] = [
      ['nginx', './docker/nginx/nginx.conf', '/etc/nginx/nginx.conf'],
      // nginx.conf includes environment/*.conf relative to itself.
      ['nginx', './docker/nginx/environment', '/etc/nginx/environment'],
      ['nginx', './docker/nginx/certs', '/etc/nginx/certs'],
      ['prometheus', './docker/prometheus/prometheus.yml', '/etc/prometheus/prometheus.yml'],
      // prometheus.yml names its rule files relative to itself.
      ['prometheus', './docker/prometheus/rules', '/etc/prometheus/rules'],
      ['alertmanager', './docker/alertmanager/alertmanager.yml', '/etc/alertmanager/alertmanager.yml'],
      ['grafana', './docker/grafana/provisioning', '/etc/grafana/provisioning'],
      ['grafana', './docker/grafana/dashboards', '/etc/grafana/dashboards'],
    ];
    for (const [name, source, target] of expected) {
      expect(mounts(service(name))).toContainEqual([source, target]);
    }
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const [source] of mounts(svc)) {
        // The certificates are the operator's; every other bind-mounted file ships with the repository.
        if (!source.startsWith('./') || source === './docker/nginx/certs') continue;
        expect({ name, source, exists: existsSync(path.join(ROOT, source)) }).toEqual({
          name,
          source,
          exists: true,
        });
      }
    }
  });

  describe('secrets', () => {
    // ${VAR} or ${VAR:?message} take the value from outside the file; ${VAR:-default} would inline a default.
    const REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(:?\?[^}]*)?\}$/;

    it.each(Object.keys(compose.services))('%s has no secret written inline in `environment`', (name) => {
      const inline = environment(service(name)).filter(
        ([variable, value]) =>
          /(SECRET|PASSWORD|TOKEN|KEY)$/i.test(variable) &&
          value !== undefined &&
          !(typeof value === 'string' && REFERENCE.test(value)),
      );
      expect(inline).toEqual([]);
    });

    it.each<[string, string]>([
      ['api', '.env.production'],
      ['worker', '.env.production'],
      ['migrate', '.env.production'],
      ['postgres', '.env.postgres'],
      ['grafana', '.env.grafana'],
    ])('%s takes its credentials from an env_file (%s)', (name, file) => {
      expect(envFiles(service(name))).toContain(file);
    });

    it('keeps the env files and TLS keys out of the Docker build context', () => {
      const ignored = read('.dockerignore')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line && !line.startsWith('#'));
      expect(ignored).toEqual(expect.arrayContaining(['.env', '.env.*', 'docker/nginx/certs']));
      expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git']));
    });
  });
});

/** A Dockerfile's instructions, continuation lines joined and comments dropped. */
function instructions(text: string): string[] {
  return text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** The instructions of the last stage: the image that actually ships. */
function finalStage(lines: string[]): string[] {
  const lastFrom = lines.findLastIndex((line) => /^FROM\s/i.test(line));
  return lines.slice(lastFrom);
}

function argument(line: string): string {
  return line.replace(/^\S+\s+/, '');
}

describe.each<[string, number]>([
  ['api', 3000],
  ['worker', 3001],
])('docker/Dockerfile.%s', (app, port) => {
  const dockerfile = `docker/Dockerfile.${app}`;
  const lines = instructions(read(dockerfile));
  const runtime = finalStage(lines);
  const byKeyword = (keyword: string, from: string[] = runtime): string[] =>
    from.filter((line) => line.toUpperCase().startsWith(`${keyword} `));

  it('is what compose.prod.yml builds the service from', () => {
    const build = service(app).build;
    expect(typeof build === 'object' ? build.dockerfile : undefined).toBe(dockerfile);
  });

  it('is a multi-stage build on Node 24 that ships without devDependencies', () => {
    const froms = byKeyword('FROM', lines);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(argument(from)).toMatch(/^(--platform=\S+\s+)?node:24\b/);
    const builds = byKeyword('RUN', lines.slice(0, lines.length - runtime.length)).join('\n');
    expect(builds).toContain('npm ci');
    expect(builds).toContain('npm run build');
    expect(builds).toContain('npm prune --omit=dev');
    expect(byKeyword('ENV').join(' ')).toMatch(/\bNODE_ENV=production\b/);
    // The runtime stage must not reinstall (that would need devDependencies for postinstall).
    expect(byKeyword('RUN').join('\n')).not.toMatch(/npm (ci|install)/);
  });

  it('runs as an unprivileged user', () => {
    const user = byKeyword('USER').at(-1);
    expect(user).toBeDefined();
    expect(argument(user ?? '')).not.toMatch(/^(root|0)(:|$)/);
  });

  it('exposes its port, stops on SIGTERM and checks its health with node', () => {
    expect(byKeyword('EXPOSE').map(argument)).toContain(String(port));
    expect(byKeyword('STOPSIGNAL').map(argument)).toEqual(['SIGTERM']);
    const healthcheck = byKeyword('HEALTHCHECK').join(' ');
    expect(healthcheck).toMatch(/CMD \["node", "-e", /);
    expect(healthcheck).toContain('/health/live');
  });

  it('bakes COMMIT_SHA and BUILD_ID from build arguments into the environment', () => {
    const args = byKeyword('ARG').map(argument).join(' ');
    const env = byKeyword('ENV').join(' ');
    for (const name of ['COMMIT_SHA', 'BUILD_ID']) {
      expect(args).toMatch(new RegExp(`\\b${name}\\b`));
      expect(env).toContain(`${name}=\${${name}}`);
    }
  });

  it('starts the entry point that `npm run build` compiles from the app source', () => {
    const cmd = byKeyword('CMD').at(-1);
    expect(cmd).toBeDefined();
    const argv = JSON.parse(argument(cmd ?? '')) as unknown;
    const entry = `dist/apps/${app}/src/main.js`;
    // The API with the node flags the tests and the bench start it with; `npm run start:api` too.
    const flags = app === 'api' ? API_NODE_FLAGS : [];
    expect(argv).toEqual(['node', ...flags, entry]);
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts[`start:${app}`]).toBe(['node', ...flags, entry].join(' '));
    // swc compiles apps/ and libs/ into dist/ keeping the layout: dist/X.js comes from X.ts.
    const source = entry.replace(/^dist\//, '').replace(/\.js$/, '.ts');
    expect(existsSync(path.join(ROOT, source))).toBe(true);
    // `npm test` builds before Jest runs; when a build is present it must contain the entry point.
    if (existsSync(path.join(ROOT, 'dist'))) expect(existsSync(path.join(ROOT, entry))).toBe(true);
  });

  if (app === 'api') {
    it('carries the migration script and the Prisma schema for the one-off migrate service', () => {
      const copies = byKeyword('COPY').map(argument);
      expect(copies).toContain('scripts ./scripts');
      expect(copies).toContain('prisma ./prisma');
    });
  }
});

// What test/e2e/edge/ cannot see, because it writes environment/ of its own: compose's snippets. The
// policy in nginx.conf is proven there by running it.
describe('docker/nginx/nginx.conf', () => {
  // Comments removed, so a commented-out directive does not count.
  const withoutComments = (relative: string): string => read(relative).replace(/#.*$/gm, '');
  const conf = withoutComments('docker/nginx/nginx.conf');
  const snippet = (name: string): string => withoutComments(`docker/nginx/environment/${name}`);

  it('includes exactly the environment snippets that exist in docker/nginx/environment', () => {
    const included = [...conf.matchAll(/^\s*include\s+environment\/(\S+);/gm)].map((match) => match[1]);
    const present = readdirSync(path.join(ROOT, 'docker/nginx/environment'));
    expect([...included].sort()).toEqual([...present].sort());
  });

  it('listens on 80 and 443 (TLS) in compose, the ports compose publishes', () => {
    expect(snippet('listen-http.conf')).toMatch(/listen\s+80\b/);
    expect(snippet('listen-https.conf')).toMatch(/listen\s+443\s+ssl\b/);
    expect(conf).toMatch(/return\s+301\s+https:\/\/\$host\$request_uri;/);
  });

  it('reads the certificates from certs/, which compose mounts next to nginx.conf', () => {
    expect(conf).toMatch(/ssl_certificate\s+certs\/fullchain\.pem;/);
    expect(conf).toMatch(/ssl_certificate_key\s+certs\/privkey\.pem;/);
    expect(conf).toMatch(/ssl_protocols\s+TLSv1\.2\s+TLSv1\.3;/);
  });

  it('proxies to the replicas of the api service, followed through Docker DNS', () => {
    expect(snippet('upstream.conf')).toMatch(/^\s*server\s+api:3000\s+resolve\b/m);
    expect(snippet('http.conf')).toMatch(/resolver\s+127\.0\.0\.11\b/);
    expect(conf).toMatch(/upstream\s+api\s*\{[^}]*include\s+environment\/upstream\.conf;/);
    expect(conf).toMatch(/proxy_pass\s+http:\/\/api;/);
  });

  it("runs the workers as the official image's unprivileged user", () => {
    expect(snippet('main.conf')).toMatch(/^\s*user\s+nginx;/m);
  });
});

describe('docker/prometheus/prometheus.yml', () => {
  interface ScrapeConfig {
    job_name: string;
    metrics_path?: string;
    scrape_interval?: string;
    static_configs?: { targets: string[] }[];
    dns_sd_configs?: { names: string[]; port?: number }[];
  }
  const prometheus = parse(read('docker/prometheus/prometheus.yml')) as {
    global?: { scrape_interval?: string };
    scrape_configs?: ScrapeConfig[];
    rule_files?: string[];
    alerting?: { alertmanagers?: { static_configs?: { targets: string[] }[] }[] };
  };

  /** host:port of everything a job scrapes, from static targets and DNS discovery alike. */
  function targets(job: ScrapeConfig): string[] {
    return [
      ...(job.static_configs ?? []).flatMap((config) => config.targets),
      ...(job.dns_sd_configs ?? []).flatMap((config) => config.names.map((name) => `${name}:${config.port}`)),
    ];
  }

  it.each<[string, string]>([
    ['api', 'api:3000'],
    ['worker', 'worker:3001'],
  ])('scrapes %s at %s/metrics every 15 s', (jobName, target) => {
    const job = prometheus.scrape_configs?.find((config) => config.job_name === jobName);
    expect(job).toBeDefined();
    if (!job) return;
    expect(targets(job)).toContain(target);
    expect(job.metrics_path ?? '/metrics').toBe('/metrics');
    expect(job.scrape_interval ?? prometheus.global?.scrape_interval).toBe('15s');
  });

  it('loads the rules from the folder compose mounts and alerts the alertmanager service', () => {
    expect(prometheus.rule_files).toEqual(['rules/*.yml']);
    const alertmanagers = (prometheus.alerting?.alertmanagers ?? []).flatMap((config) =>
      (config.static_configs ?? []).flatMap((staticConfig) => staticConfig.targets),
    );
    expect(alertmanagers).toEqual(['alertmanager:9093']);
    expect(service('alertmanager').ports).toContain('127.0.0.1:9093:9093');
  });

  it('is the Grafana datasource', () => {
    const provisioning = parse(read('docker/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources?: { type?: string; url?: string }[];
    };
    expect(provisioning.datasources).toContainEqual(
      expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090' }),
    );
  });
});
