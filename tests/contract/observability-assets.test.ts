import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { parse } from 'yaml';
import { MetricsEndpoint } from '@latchkey/platform';
import { publishingTo, testExchange } from '../support/event-sink';
import { promtool } from '../support/promtool';
import { startTestApp, type TestApp } from '../support/test-app';

const root = path.resolve(__dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

interface Rule {
  alert: string;
  expr: string;
  annotations?: { runbook_url?: string; summary?: string };
}

/** The metric names a PromQL expression reads, from Prometheus's own PromQL grammar. */
function metricsIn(expression: string): string[] {
  const tree = parser.parse(expression);
  const names: string[] = [];
  const cursor = tree.cursor();
  do {
    if (cursor.type.isError) throw new Error(`PromQL does not parse: ${expression}`);
    if (cursor.name === 'Identifier' && cursor.node.parent?.name === 'VectorSelector')
      names.push(expression.slice(cursor.from, cursor.to));
  } while (cursor.next());
  return names;
}

/** A histogram's series are read through `_bucket`, `_count` and `_sum`. */
const familyOf = (series: string, exported: Set<string>) =>
  exported.has(series) ? series : series.replace(/_(bucket|count|sum)$/, '');

/** GitHub's anchor for a Markdown heading. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\s-]/g, '')
    .replace(/\s/g, '-');

describe('the Grafana dashboard and the alerting rules (infra/observability)', () => {
  let app: TestApp;
  let exported: Set<string>;

  beforeAll(async () => {
    // Every optional part on, so every metric is declared: the event relay, a rotation schedule.
    app = await startTestApp({
      env: { METRICS_PORT: '0', ...publishingTo(testExchange()), KEY_ROTATION_INTERVAL: '90d' },
    });
    const port = app.latchkey.app.get(MetricsEndpoint).port;
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    exported = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]!));
  });
  afterAll(() => app.close());

  it('promtool accepts the rules and the Prometheus configuration', () => {
    const rules = promtool(['check', 'rules', path.join(root, 'infra/observability/alerts.yml')]);
    expect(rules.output).toContain('SUCCESS');
    expect(rules.status).toBe(0);
  });

  it('every alert reads only metrics the API exports, and links a runbook section that exists', () => {
    const { groups } = parse(read('infra/observability/alerts.yml')) as { groups: { rules: Rule[] }[] };
    const rules = groups.flatMap((group) => group.rules);
    expect(rules.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining([
        'LatchkeyLoginFailureSpike',
        'LatchkeyRefreshTokenReuse',
        'LatchkeyServerErrors',
        'LatchkeyEventOutboxLag',
        'LatchkeyPasswordHashQueueWait',
        'LatchkeySigningKeyOverdue',
      ]),
    );
    for (const rule of rules) {
      for (const series of metricsIn(rule.expr)) {
        expect(`${rule.alert}: ${familyOf(series, exported)}`).toBe(
          `${rule.alert}: ${exported.has(familyOf(series, exported)) ? familyOf(series, exported) : `(not exported) ${series}`}`,
        );
      }
      const [file, anchor] = (rule.annotations?.runbook_url ?? '').split('#');
      expect(file && existsSync(path.join(root, file)) ? file : `${rule.alert}: no runbook ${file}`).toBe(
        file,
      );
      const anchors = [...read(file!).matchAll(/^#{2,3} (.+)$/gm)].map((match) => anchorOf(match[1]!));
      expect(anchors).toContain(anchor);
    }
  });

  it('the dashboard is valid JSON whose every query parses and reads exported metrics', () => {
    const dashboard = JSON.parse(read('infra/observability/grafana/dashboards/latchkey.json')) as {
      uid: string;
      panels: { title: string; targets: { expr: string }[] }[];
    };
    expect(dashboard.uid).toBe('latchkey');
    const read_ = new Set<string>();
    for (const panel of dashboard.panels) {
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const { expr } of panel.targets) {
        for (const series of metricsIn(expr)) {
          const family = familyOf(series, exported);
          read_.add(family);
          expect(`${panel.title}: ${exported.has(family) ? family : `(not exported) ${series}`}`).toBe(
            `${panel.title}: ${family}`,
          );
        }
      }
    }
    // Every latchkey_ metric has a panel.
    const ours = [...exported].filter((name) => name.startsWith('latchkey_'));
    expect(ours.filter((name) => !read_.has(name))).toEqual([]);
  });

  it('every latchkey_ metric is documented in docs/observability.md', () => {
    const doc = read('docs/observability.md');
    const ours = [...exported].filter((name) => name.startsWith('latchkey_'));
    expect(ours.length).toBeGreaterThan(15);
    expect(ours.filter((name) => !doc.includes(`\`${name}\``))).toEqual([]);
  });
});
