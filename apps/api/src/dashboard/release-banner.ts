import type { ApiConfigShape, DeploymentMode } from '@rampart/config';

/** The line at the top of the dashboard, and its parts. */
export interface ReleaseBanner {
  /** `Rampart v0.1.0 • build 42 • Commit: f42638c • Date: 2026-11-30 UTC • Admin-Only Mode` */
  text: string;
  name: string;
  version: string;
  build: string;
  /** The first 7 characters of COMMIT_SHA, as people quote a commit. */
  commit: string;
  /** YYYY-MM-DD (UTC), or `unknown` when RELEASE_DATE is not set. */
  date: string;
  /** `Admin-Only Mode` or `Public Mode`. */
  mode: string;
}

const MODE_LABELS: Record<DeploymentMode, string> = {
  'admin-only': 'Admin-Only Mode',
  public: 'Public Mode',
};

const SHORT_COMMIT = 7;

/** Built once from the validated configuration: the release does not change while a process runs. */
export function releaseBanner(config: Pick<ApiConfigShape, 'release' | 'deployment'>): ReleaseBanner {
  const { name, version, releaseDate, mode } = config.deployment;
  const commit = config.release.commitSha.slice(0, SHORT_COMMIT);
  const date = releaseDate ?? 'unknown';
  const shownVersion = /^v\d/i.test(version) ? version : `v${version}`;
  const parts = {
    name,
    version,
    build: config.release.buildId,
    commit,
    date,
    mode: MODE_LABELS[mode],
  };
  return {
    text: [
      `${name} ${shownVersion}`,
      `build ${parts.build}`,
      `Commit: ${commit}`,
      releaseDate ? `Date: ${releaseDate} UTC` : 'Date: unknown',
      parts.mode,
    ].join(' • '),
    ...parts,
  };
}
