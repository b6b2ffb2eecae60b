// The alert and recording rules (docker/prometheus/rules) are tested, not only linted. promtool checks
// their syntax and Prometheus's configuration, and runs the unit tests in docker/prometheus/tests, which
// feed series and assert which alerts fire. This spec runs all of that, proves the unit tests can fail
// (each alert's threshold broken in a copy must make them fail), and checks what promtool cannot: every
// alert has a case where it fires and one where it must not, the labels and annotations Alertmanager and
// the on-call rely on, a runbook section in docs/alerts.md, and only metrics the apps export.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { expectSuccess, isExported, metricNames, promtool, run, SCRAPE_SERIES } from './promql';

const ROOT = path.resolve(__dirname, '../..');
const PROMETHEUS = 'docker/prometheus';
const RULES = `${PROMETHEUS}/rules`;
const TESTS = `${PROMETHEUS}/tests`;

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}
interface RuleTestFile {
  rule_files: string[];
  tests: {
    name?: string;
    alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[];
    promql_expr_test?: unknown[];
  }[];
}

function yamlFiles(folder: string): string[] {
  return readdirSync(path.join(ROOT, folder))
    .filter((file) => file.endsWith('.yml'))
    .sort()
    .map((file) => `${folder}/${file}`);
}

function readYaml<T>(relative: string): T {
  return parse(readFileSync(path.join(ROOT, relative), 'utf8')) as T;
}

const ruleFiles = yamlFiles(RULES);
const testFiles = yamlFiles(TESTS);
const rules = ruleFiles.flatMap((file) =>
  readYaml<RuleFile>(file).groups.flatMap((group) => group.rules.map((rule) => ({ file, rule }))),
);
const alerts = rules.flatMap(({ file, rule }) => (rule.alert ? [{ file, name: rule.alert, rule }] : []));
const recorded = new Set(rules.flatMap(({ rule }) => (rule.record ? [rule.record] : [])));
const alertTests = testFiles.flatMap((file) =>
  readYaml<RuleTestFile>(file).tests.flatMap((group) =>
    (group.alert_rule_test ?? []).map((test) => ({ file, ...test })),
  ),
);

/** GitHub's anchors for the headings of a Markdown file (lower case, punctuation dropped, spaces to -). */
function headingAnchors(markdown: string): Set<string> {
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, '');
  return new Set(
    [...withoutCode.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)].map(([, heading = '']) =>
      heading
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    ),
  );
}

describe('promtool', () => {
  it('is installed', async () => {
    expectSuccess(await promtool(['--version']), 'promtool, version');
  });
});

describe('docker/prometheus/rules', () => {
  it('holds recording and alert rules', () => {
    expect(recorded.size).toBeGreaterThan(0);
    expect(alerts.length).toBeGreaterThan(0);
  });

  it.each(ruleFiles)('%s passes promtool check rules', async (file) => {
    expectSuccess(await promtool(['check', 'rules', file], ROOT));
  });

  it.each(testFiles)('%s passes promtool test rules', async (file) => {
    expectSuccess(await promtool(['test', 'rules', file], ROOT));
  });

  it('is what prometheus.yml loads, and the configuration passes promtool check config', async () => {
    // check config also loads and checks every rule file the configuration names.
    const result = await promtool(['check', 'config', `${PROMETHEUS}/prometheus.yml`], ROOT);
    expectSuccess(result, `SUCCESS: ${ruleFiles.length} rule files found`);
    for (const file of ruleFiles) expect(result.output).toContain(`Checking ${file}`);
  });

  it('names recorded series level:metric:operation, with colons no app metric has', () => {
    expect([...recorded].filter((name) => !/^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/.test(name))).toEqual([]);
  });

  it('reads only metrics the apps export, series the rules record, and `up`', () => {
    const unknown = rules.flatMap(({ file, rule }) =>
      metricNames(rule.expr)
        .filter((name) => !isExported(name) && !recorded.has(name) && !SCRAPE_SERIES.includes(name))
        .map((name) => ({ file, rule: rule.alert ?? rule.record, name })),
    );
    expect(unknown).toEqual([]);
  });

  it('has unique alert names', () => {
    const names = alerts.map(({ name }) => name);
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
  });
});

describe.each(alerts)('alert $name', ({ name, rule }) => {
  it('waits before firing and carries a severity Alertmanager routes by', () => {
    expect(rule.for).toMatch(/^\d+[smh]$/);
    expect(['critical', 'warning']).toContain(rule.labels?.severity);
  });

  it('says what happened and links its section of docs/alerts.md', () => {
    expect(rule.annotations?.summary?.trim()).toBeTruthy();
    expect(rule.annotations?.description?.trim()).toBeTruthy();
    const anchor = name.toLowerCase();
    expect(rule.annotations?.runbook_url).toBe(`docs/alerts.md#${anchor}`);
    expect(headingAnchors(readFileSync(path.join(ROOT, 'docs/alerts.md'), 'utf8'))).toContain(anchor);
  });

  it('has a promtool case where it fires and one where it must not', () => {
    const cases = alertTests.filter((test) => test.alertname === name);
    expect(cases.some((test) => (test.exp_alerts ?? []).length > 0)).toBe(true);
    expect(cases.some((test) => (test.exp_alerts ?? []).length === 0)).toBe(true);
  });
});

/**
 * The alert's threshold made unreachable: the number after its first `>` multiplied by 1000, or the
 * value its first `==` compares with moved from 0 or 1 to 2.
 */
function breakThreshold(expr: string): string {
  const comparison = /(>|==)(\s*\(?\s*)([0-9.]+)/.exec(expr);
  if (!comparison) throw new Error(`no threshold found in ${expr}`);
  const [whole, operator, space, number] = comparison;
  const broken = operator === '==' ? '2' : String(Number(number) * 1000);
  return expr.replace(whole, `${operator}${space}${broken}`);
}

describe('the promtool unit tests', () => {
  // Each run gets a copy of rules/ and tests/ side by side (as the test files' relative rule_files
  // expect), with the alert's threshold broken and only the test cases about that alert (promtool
  // evaluates a case up to its latest eval_time: the slow-burn cases run six hours of series).
  it.concurrent.each(alerts)('fail when the threshold of $name is broken', async ({ file, name }) => {
    const copy = mkdtempSync(path.join(tmpdir(), 'rampart-rules-'));
    try {
      cpSync(path.join(ROOT, RULES), path.join(copy, 'rules'), { recursive: true });
      mkdirSync(path.join(copy, 'tests'));
      const ruleFile = path.join(copy, 'rules', path.basename(file));
      const content = parse(readFileSync(ruleFile, 'utf8')) as RuleFile;
      const rule = content.groups
        .flatMap((group) => group.rules)
        .find((candidate) => candidate.alert === name);
      if (!rule) throw new Error(`${name} not found in ${file}`);
      rule.expr = breakThreshold(rule.expr);
      writeFileSync(ruleFile, stringify(content));

      const covering = [
        ...new Set(alertTests.filter((test) => test.alertname === name).map((test) => test.file)),
      ];
      expect(covering.length).toBeGreaterThan(0);
      const copies = covering.map((testFile) => {
        const tests = readYaml<RuleTestFile>(testFile);
        tests.tests = tests.tests.flatMap((group) => {
          const about = (group.alert_rule_test ?? []).filter((test) => test.alertname === name);
          return about.length > 0 ? [{ ...group, alert_rule_test: about, promql_expr_test: [] }] : [];
        });
        const target = path.join(copy, 'tests', path.basename(testFile));
        writeFileSync(target, stringify(tests));
        return target;
      });
      const { status, output } = await promtool(['test', 'rules', ...copies], copy);
      expect({ status, failedAlert: output.includes(`alertname: ${name},`) }).toEqual({
        status: 1,
        failedAlert: true,
      });
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe('docker/alertmanager/alertmanager.yml', () => {
  const file = 'docker/alertmanager/alertmanager.yml';

  interface Route {
    receiver?: string;
    routes?: Route[];
  }
  const config = readYaml<{ route: Route; receivers: { name: string }[] }>(file);

  it('routes every alert to a receiver it defines', () => {
    const receivers = new Set(config.receivers.map((receiver) => receiver.name));
    const routed = (route: Route): string[] => [
      ...(route.receiver ? [route.receiver] : []),
      ...(route.routes ?? []).flatMap(routed),
    ];
    expect(config.route.receiver).toBeDefined();
    expect(routed(config.route).filter((receiver) => !receivers.has(receiver))).toEqual([]);
  });

  // amtool comes with Debian's prometheus-alertmanager package, which .ci/run installs; without it the
  // structural check above still runs.
  const amtool = spawnSync('amtool', ['--version']).error === undefined;
  (amtool ? it : it.skip)(
    amtool
      ? 'passes amtool check-config'
      : "passes amtool check-config (skipped: amtool is not installed; Debian's prometheus-alertmanager package provides it)",
    async () => {
      expectSuccess(await run('amtool', ['check-config', file], { cwd: ROOT }));
    },
  );
});
