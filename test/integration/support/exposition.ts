// An app's metrics as Prometheus reads them: its registry rendered to the text exposition format
// and parsed back, so a spec asserts on what a scrape would show.
import type { Metrics } from '@rampart/observability';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** One scrape's samples. */
export class Scrape {
  constructor(readonly samples: Sample[]) {}

  /** The samples of `name` whose labels include `labels`. */
  find(name: string, labels: Record<string, string> = {}): Sample[] {
    return this.samples.filter(
      (sample) =>
        sample.name === name &&
        Object.entries(labels).every(([label, value]) => sample.labels[label] === value),
    );
  }

  /** The value of the one sample of `name` with exactly these labels (a histogram's `le` included); undefined when absent. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const matching = this.find(name, labels).filter(
      (sample) => Object.keys(sample.labels).length === Object.keys(labels).length,
    );
    if (matching.length > 1) throw new Error(`${matching.length} samples of ${name} match`);
    return matching[0]?.value;
  }
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const match of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
    labels[match[1]!] = match[2]!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
  }
  return labels;
}

export function parseExposition(body: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of body.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`unparsable exposition line: ${line}`);
    samples.push({ name: match[1]!, labels: parseLabels(match[2] ?? ''), value: Number(match[3]) });
  }
  return samples;
}

/** Renders the registry, as GET /metrics does, and parses the answer. */
export async function scrape(metrics: Metrics): Promise<Scrape> {
  return new Scrape(parseExposition((await metrics.render()).body));
}
