// The boundary rules of .dependency-cruiser.cjs (run by `npm run lint`), tried on a tree of planted
// violations: each rule must catch its own, or the lint step would pass whatever the code does.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const DEPCRUISE = path.join(ROOT, 'node_modules/.bin/depcruise');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');

/** Runs the check in `cwd` and returns its exit status and report. */
function cruise(cwd: string, targets: string[]): { status: number; report: string } {
  try {
    const report = execFileSync(DEPCRUISE, ['--config', CONFIG, ...targets], { cwd, encoding: 'utf8' });
    return { status: 0, report };
  } catch (error) {
    const failed = error as { status: number; stdout: string };
    return { status: failed.status, report: failed.stdout };
  }
}

/** A file in the planted tree; `imports` are the specifiers it imports. */
function plant(root: string, file: string, imports: string[] = []): void {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  const lines = imports.map(
    (specifier, index) => `import * as m${index} from '${specifier}';\nvoid m${index};`,
  );
  writeFileSync(path.join(root, file), `${lines.join('\n')}\nexport const planted = true;\n`);
}

describe('boundary rules', () => {
  let root: string;
  let planted: { status: number; report: string };

  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'rampart-boundaries-'));
    writeFileSync(
      path.join(root, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          allowImportingTsExtensions: true,
          noEmit: true,
          paths: {
            '@rampart/alpha': ['./libs/alpha/src/index.ts'],
            '@rampart/beta': ['./libs/beta/src/index.ts'],
          },
        },
      }),
    );
    // Folders of an app importing each other (no cycle between the files themselves).
    plant(root, 'apps/api/src/orders/orders.ts', ['../billing/invoice']);
    plant(root, 'apps/api/src/billing/invoice.ts');
    plant(root, 'apps/api/src/billing/refunds.ts', ['../orders/order-lines']);
    plant(root, 'apps/api/src/orders/order-lines.ts');
    // Two files importing each other.
    plant(root, 'apps/worker/src/loop/ping.ts', ['./pong']);
    plant(root, 'apps/worker/src/loop/pong.ts', ['./ping']);
    // Libs: one entered past its index by an app and by another lib, one importing an app, one using Prisma.
    plant(root, 'libs/alpha/src/index.ts', ['./internal']);
    plant(root, 'libs/alpha/src/internal.ts');
    plant(root, 'apps/api/src/deep/deep.ts', ['../../../../libs/alpha/src/internal']);
    plant(root, 'libs/beta/src/index.ts', [
      '../../alpha/src/internal',
      '../../../apps/api/src/billing/invoice',
    ]);
    plant(root, 'apps/api/src/raw-sql/raw.ts', ['../../../../libs/db/src/generated/prisma/client']);
    plant(root, 'libs/db/src/generated/prisma/client.ts');
    // The worker reaching into the API.
    plant(root, 'apps/worker/src/borrow/borrow.ts', ['../../../api/src/billing/invoice']);
    planted = cruise(root, ['apps', 'libs']);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each([
    ['no-folder-cycles-in-apps', 'apps/api/src/billing'],
    ['no-module-cycles', 'apps/worker/src/loop/ping.ts'],
    ['libs-only-through-their-index', 'apps/api/src/deep/deep.ts'],
    ['libs-enter-other-libs-through-their-index', 'libs/beta/src/index.ts'],
    ['prisma-only-in-libs-db', 'apps/api/src/raw-sql/raw.ts'],
    ['libs-never-import-apps', 'libs/beta/src/index.ts'],
    ['apps-do-not-import-each-other', 'apps/worker/src/borrow/borrow.ts'],
  ])('%s catches its planted violation (%s)', (rule, culprit) => {
    expect(planted.status).not.toBe(0);
    const lines = planted.report.split('\n').filter((line) => line.includes(`error ${rule}:`));
    expect(lines.some((line) => line.includes(culprit))).toBe(true);
  });
});
