import { parse, type SemVer } from 'semver';

/**
 * A semantic version exactly as semver.org writes it. The `semver` package also accepts a leading
 * `v` and surrounding spaces, which Unleash's spec (14) and Rampart both treat as not a version.
 */
export function parseStrictSemver(text: string): SemVer | undefined {
  const first = text.charCodeAt(0);
  if (first < 48 || first > 57) return undefined;
  const parsed = parse(text);
  return parsed !== null && parsed.raw === text ? parsed : undefined;
}
