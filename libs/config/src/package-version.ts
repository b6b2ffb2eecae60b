import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

let cached: string | undefined;

/**
 * The `version` of Rampart's package.json: the release's version unless RELEASE_VERSION says
 * otherwise. Found by walking up from this file, which lies at a different depth in the sources
 * (libs/config/src) and in the build (dist/libs/config/src); the image ships package.json at its root.
 * 'unknown' when there is none (a bundle without it), rather than failing the boot over a banner.
 */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  cached = 'unknown';
  for (let directory = __dirname; ; directory = path.dirname(directory)) {
    const file = path.join(directory, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (manifest.name === 'rampart' && typeof manifest.version === 'string') {
        cached = manifest.version;
        break;
      }
    }
    if (path.dirname(directory) === directory) break;
  }
  return cached;
}
