import { formatProfileSummary, packageOf, summarizeProfiles, type CpuProfile } from './cpu-profile.mts';

const ROOT = 'file:///work/rampart';

/** Ticks of 100 µs: the deltas of ticks 1..n give ticks 0..n-1 their time. */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: { functionName: '(root)', url: '' } },
    { id: 2, callFrame: { functionName: '(idle)', url: '' } },
    { id: 3, callFrame: { functionName: '(garbage collector)', url: '' } },
    {
      id: 4,
      callFrame: { functionName: 'asJson', url: `${ROOT}/node_modules/pino/lib/tools.js`, lineNumber: 9 },
    },
    {
      id: 5,
      callFrame: {
        functionName: 'verify',
        url: `${ROOT}/node_modules/@fastify/helmet/index.js`,
        lineNumber: 0,
      },
    },
    {
      id: 6,
      callFrame: { functionName: '', url: `${ROOT}/dist/apps/api/src/main.js`, lineNumber: 41 },
    },
    { id: 7, callFrame: { functionName: 'emit', url: 'node:events', lineNumber: 0 } },
  ],
  // pino 3 ticks, helmet 1, rampart 1, node 1, idle 2, gc 1; the last tick (idle) counts nothing.
  samples: [4, 4, 4, 5, 6, 7, 2, 2, 3, 2],
  timeDeltas: [5, 100, 100, 100, 100, 100, 100, 100, 100, 100],
};

describe('summarizeProfiles', () => {
  it('splits self time by function and package, with the special frames apart from the busy time', () => {
    const summary = summarizeProfiles([profile]);
    expect(summary.totalMicros).toBe(900);
    expect(summary.special).toEqual({ '(idle)': 200, '(program)': 0, '(garbage collector)': 100 });
    expect(summary.busyMicros).toBe(600);
    expect(summary.functions[0]).toEqual({
      name: 'asJson pino/lib/tools.js:10',
      micros: 300,
      share: 0.5,
    });
    expect(summary.functions.map((entry) => entry.name)).toContain(
      '(anonymous) dist/apps/api/src/main.js:42',
    );
    expect(summary.packages).toEqual([
      { name: 'pino', micros: 300, share: 0.5 },
      { name: '@fastify/helmet', micros: 100, share: 100 / 600 },
      { name: 'node:internal', micros: 100, share: 100 / 600 },
      { name: 'rampart', micros: 100, share: 100 / 600 },
    ]);
  });

  it('adds profiles together and keeps only the top entries', () => {
    const summary = summarizeProfiles([profile, profile], 2, 1);
    expect(summary.profiles).toBe(2);
    expect(summary.busyMicros).toBe(1200);
    expect(summary.functions).toHaveLength(2);
    expect(summary.packages).toEqual([{ name: 'pino', micros: 600, share: 0.5 }]);
  });

  it('formats a report with both top lists', () => {
    const lines = formatProfileSummary(summarizeProfiles([profile]));
    expect(lines[0]).toMatch(
      /^CPU profile: 1 file\(s\), 1 ms sampled, busy 1 ms; \(idle\) 0 ms \(22\.2% of all\)/,
    );
    expect(lines).toContain('top 4 packages by self time (share of busy time):');
    expect(lines.some((line) => line.includes('50.0%') && line.endsWith('pino'))).toBe(true);
  });
});

describe('packageOf', () => {
  it.each([
    ['', '(native)'],
    ['node:internal/http', 'node:internal'],
    [`${ROOT}/node_modules/@nestjs/core/router/x.js`, '@nestjs/core'],
    [`${ROOT}/node_modules/a/node_modules/b/index.js`, 'b'],
    [`${ROOT}/dist/libs/http/src/index.js`, 'rampart'],
    ['file:///elsewhere/x.js', 'other'],
  ])('%s belongs to %s', (url, expected) => {
    expect(packageOf(url)).toBe(expected);
  });
});
