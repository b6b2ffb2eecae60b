import { releaseBanner } from './release-banner';

describe('releaseBanner', () => {
  it('reads like the seed banner: name and version, build, short commit, date in UTC, mode', () => {
    expect(
      releaseBanner({
        release: {
          commitSha: 'f42638c9d1e0a7b6c5d4e3f2a1b0c9d8e7f6a5b4',
          buildId: '42',
          rulesetVersion: 'v1.0',
        },
        deployment: { name: 'Rampart', version: '0.1.0', releaseDate: '2026-11-30', mode: 'admin-only' },
      }),
    ).toEqual({
      text: 'Rampart v0.1.0 • build 42 • Commit: f42638c • Date: 2026-11-30 UTC • Admin-Only Mode',
      name: 'Rampart',
      version: '0.1.0',
      build: '42',
      commit: 'f42638c',
      date: '2026-11-30',
      mode: 'Admin-Only Mode',
    });
  });

  it('says what it does not know, keeps a version that already has its v, and names public mode', () => {
    const banner = releaseBanner({
      release: { commitSha: 'unknown', buildId: 'local', rulesetVersion: 'v1.0' },
      deployment: { name: 'ATLAS', version: 'v1', releaseDate: null, mode: 'public' },
    });
    expect(banner.text).toBe('ATLAS v1 • build local • Commit: unknown • Date: unknown • Public Mode');
  });
});
