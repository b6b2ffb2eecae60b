// Where the API's CPU time goes, from the .cpuprofile files `node --cpu-prof` writes (BENCH_PROFILE=1):
// self time per function and per package, as shares of the busy time. Busy time leaves out the three
// pseudo-frames V8 samples outside JavaScript, (idle), (program) and (garbage collector), which are
// reported on their own.
//
// A profile is V8's JSON: `nodes` (id, callFrame {functionName, url, lineNumber}), `samples` (the node
// on top of the stack at each tick) and `timeDeltas` (µs since the previous tick). A tick's duration is
// the delta to the next one, as Chrome DevTools counts it; the last tick counts nothing.

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber?: number };
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

export const SPECIAL_FRAMES = ['(idle)', '(program)', '(garbage collector)'] as const;

export interface SelfTime {
  /** A function (`name file:line`) or a package. */
  name: string;
  micros: number;
  /** micros / the busy time. */
  share: number;
}

export interface ProfileSummary {
  profiles: number;
  /** Every sampled µs. */
  totalMicros: number;
  /** totalMicros without the special frames. */
  busyMicros: number;
  special: Record<(typeof SPECIAL_FRAMES)[number], number>;
  functions: SelfTime[];
  packages: SelfTime[];
}

/**
 * The package a script URL belongs to: the npm package under its last node_modules/ (with its scope),
 * `node:internal` for Node's own modules, `rampart` for the build (dist/), `(native)` for frames
 * without a URL (V8 built-ins and C++), `other` for anything else.
 */
export function packageOf(url: string): string {
  if (url === '') return '(native)';
  if (url.startsWith('node:')) return 'node:internal';
  const marker = '/node_modules/';
  const at = url.lastIndexOf(marker);
  if (at >= 0) {
    const [first = '', second = ''] = url.slice(at + marker.length).split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  if (url.includes('/dist/')) return 'rampart';
  return 'other';
}

/** A URL as short as it stays recognisable: from its package, or from dist/. */
function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) return path.slice(modules + '/node_modules/'.length);
  const dist = path.indexOf('/dist/');
  return dist >= 0 ? path.slice(dist + 1) : path;
}

function functionKey(frame: CpuProfileNode['callFrame']): string {
  const name = frame.functionName || '(anonymous)';
  if (frame.url === '') return name;
  return `${name} ${shortUrl(frame.url)}:${(frame.lineNumber ?? 0) + 1}`;
}

function ranked(totals: Map<string, number>, busyMicros: number, top: number): SelfTime[] {
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, top)
    .map(([name, micros]) => ({ name, micros, share: busyMicros > 0 ? micros / busyMicros : 0 }));
}

/** Self time of every profile added together, the top `topFunctions` functions and `topPackages` packages. */
export function summarizeProfiles(
  profiles: CpuProfile[],
  topFunctions = 15,
  topPackages = 10,
): ProfileSummary {
  const special: ProfileSummary['special'] = { '(idle)': 0, '(program)': 0, '(garbage collector)': 0 };
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  let totalMicros = 0;
  for (const profile of profiles) {
    const nodes = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
    const samples = profile.samples ?? [];
    const deltas = profile.timeDeltas ?? [];
    for (let index = 0; index < samples.length; index += 1) {
      const micros = Math.max(0, deltas[index + 1] ?? 0);
      const frame = nodes.get(samples[index] ?? -1);
      if (!frame || micros === 0) continue;
      totalMicros += micros;
      if ((SPECIAL_FRAMES as readonly string[]).includes(frame.functionName)) {
        special[frame.functionName as keyof typeof special] += micros;
        continue;
      }
      const name = functionKey(frame);
      functions.set(name, (functions.get(name) ?? 0) + micros);
      const pkg = packageOf(frame.url);
      packages.set(pkg, (packages.get(pkg) ?? 0) + micros);
    }
  }
  const busyMicros = totalMicros - Object.values(special).reduce((sum, micros) => sum + micros, 0);
  return {
    profiles: profiles.length,
    totalMicros,
    busyMicros,
    special,
    functions: ranked(functions, busyMicros, topFunctions),
    packages: ranked(packages, busyMicros, topPackages),
  };
}

/** The summary as lines of text for the bench's report. */
export function formatProfileSummary(summary: ProfileSummary): string[] {
  const ms = (micros: number): string => (micros / 1000).toFixed(0);
  const percent = (share: number): string => `${(share * 100).toFixed(1)}%`.padStart(6);
  const total = summary.totalMicros;
  const lines = [
    `CPU profile: ${summary.profiles} file(s), ${ms(total)} ms sampled, busy ${ms(summary.busyMicros)} ms; ` +
      SPECIAL_FRAMES.map(
        (frame) =>
          `${frame} ${ms(summary.special[frame])} ms (${percent(total > 0 ? summary.special[frame] / total : 0).trim()} of all)`,
      ).join(', '),
    `top ${summary.functions.length} functions by self time (share of busy time):`,
    ...summary.functions.map(
      (entry) => `  ${percent(entry.share)}  ${ms(entry.micros).padStart(6)} ms  ${entry.name}`,
    ),
    `top ${summary.packages.length} packages by self time (share of busy time):`,
    ...summary.packages.map(
      (entry) => `  ${percent(entry.share)}  ${ms(entry.micros).padStart(6)} ms  ${entry.name}`,
    ),
  ];
  return lines;
}
