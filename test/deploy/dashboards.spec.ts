// The Grafana dashboards (docker/grafana/dashboards, loaded by the file provider in
// docker/grafana/provisioning/dashboards). Grafana shows a broken query as an empty panel, found only
// during an incident; here every panel query must parse as PromQL (promtool checks each one as a
// recording rule), read the provisioned Prometheus datasource, and name only metrics the apps export
// or the rules record.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { expectSuccess, isExported, metricNames, promtool, SCRAPE_SERIES } from './promql';

const ROOT = path.resolve(__dirname, '../..');
const DASHBOARDS = 'docker/grafana/dashboards';

function read(relative: string): string {
  return readFileSync(path.join(ROOT, relative), 'utf8');
}

interface Target {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id?: number;
  type: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
}

const files = readdirSync(path.join(ROOT, DASHBOARDS))
  .filter((file) => file.endsWith('.json'))
  .sort();
const dashboards = files.map((file) => ({
  file,
  dashboard: JSON.parse(read(`${DASHBOARDS}/${file}`)) as Dashboard,
}));

/** Every panel, including those inside (collapsed) rows. */
function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);
}

const queries = dashboards.flatMap(({ file, dashboard }) =>
  allPanels(dashboard.panels).flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ file, panel, target, expr: target.expr ?? '' })),
  ),
);

// Grafana's built-in variables, replaced by what they typically expand to so that promtool can parse
// the query. The dashboards define no variables of their own.
const GRAFANA_VARIABLES: Record<string, string> = {
  __rate_interval: '5m',
  __interval: '1m',
  __range: '1h',
};

function expand(expr: string): string {
  return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced?: string, bare?: string) => {
    const name = braced ?? bare ?? '';
    return GRAFANA_VARIABLES[name] ?? whole;
  });
}

// What the rules record counts as known too: panels show the SLIs the alerts read.
const recorded = new Set(
  readdirSync(path.join(ROOT, 'docker/prometheus/rules'))
    .filter((file) => file.endsWith('.yml'))
    .flatMap((file) => {
      const rules = parse(read(`docker/prometheus/rules/${file}`)) as {
        groups: { rules: { record?: string }[] }[];
      };
      return rules.groups.flatMap((group) =>
        group.rules.flatMap((rule) => (rule.record ? [rule.record] : [])),
      );
    }),
);

describe('docker/grafana/provisioning/dashboards', () => {
  it('loads the folder compose mounts into Grafana', () => {
    const provisioning = parse(read('docker/grafana/provisioning/dashboards/dashboards.yml')) as {
      providers: { type: string; options: { path: string } }[];
    };
    expect(provisioning.providers.map((provider) => [provider.type, provider.options.path])).toEqual([
      ['file', '/etc/grafana/dashboards'],
    ]);
    const compose = parse(read('compose.prod.yml')) as { services: { grafana: { volumes: string[] } } };
    expect(compose.services.grafana.volumes).toContain(
      './docker/grafana/dashboards:/etc/grafana/dashboards:ro',
    );
  });
});

describe('docker/grafana/dashboards', () => {
  it('has the API, identity, queues and mail, and flags dashboards, each with its own uid', () => {
    expect(files).toEqual(
      expect.arrayContaining(['api.json', 'identity.json', 'queues-mail.json', 'flags.json']),
    );
    const uids = dashboards.map(({ dashboard }) => dashboard.uid);
    expect(new Set(uids).size).toBe(uids.length);
    expect(uids.every((uid) => /^[a-z0-9-]{1,40}$/.test(uid))).toBe(true);
  });

  it('gives every panel but a row at least one query', () => {
    const empty = dashboards.flatMap(({ file, dashboard }) =>
      allPanels(dashboard.panels)
        .filter(
          (panel) => panel.type !== 'row' && !(panel.targets ?? []).some((target) => target.expr?.trim()),
        )
        .map((panel) => ({ file, panel: panel.title })),
    );
    expect(empty).toEqual([]);
  });

  it('queries the provisioned Prometheus datasource', () => {
    const provisioned = parse(read('docker/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: { uid: string; type: string }[];
    };
    const prometheus = provisioned.datasources.find((datasource) => datasource.type === 'prometheus');
    expect(prometheus).toBeDefined();
    const elsewhere = queries.flatMap(({ file, panel, target }) =>
      [panel.datasource, target.datasource]
        .filter((datasource) => datasource?.uid !== prometheus?.uid || datasource?.type !== 'prometheus')
        .map((datasource) => ({ file, panel: panel.title, datasource })),
    );
    expect(elsewhere).toEqual([]);
  });

  it('uses no template variable but Grafana built-ins it knows', () => {
    const unknown = queries.flatMap(({ file, panel, expr }) =>
      [...expand(expr).matchAll(/\$\{?\w+\}?/g)].map(([variable]) => ({
        file,
        panel: panel.title,
        variable,
      })),
    );
    expect(unknown).toEqual([]);
  });

  it('has panel queries that all parse (promtool check rules)', async () => {
    // Each query as a recording rule named after its dashboard, panel and query, so promtool's error
    // points at it.
    const rules = queries.map(({ file, panel, target, expr }) => ({
      record: `${path.basename(file, '.json').replace(/\W/g, '_')}:panel_${panel.id}:${target.refId ?? 'A'}`,
      expr: expand(expr),
    }));
    const folder = mkdtempSync(path.join(tmpdir(), 'rampart-dashboards-'));
    try {
      const file = path.join(folder, 'dashboard-queries.yml');
      writeFileSync(file, stringify({ groups: [{ name: 'dashboards', rules }] }));
      expectSuccess(await promtool(['check', 'rules', file]), `SUCCESS: ${rules.length} rules found`);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
    expect(rules.length).toBeGreaterThan(40);
  });

  it('names only metrics the apps export, series the rules record, and `up`', () => {
    const unknown = queries.flatMap(({ file, panel, expr }) =>
      metricNames(expand(expr))
        .filter((name) => !isExported(name) && !recorded.has(name) && !SCRAPE_SERIES.includes(name))
        .map((name) => ({ file, panel: panel.title, name })),
    );
    expect(unknown).toEqual([]);
  });
});
