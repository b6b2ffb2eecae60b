import { matchesEtag } from './version-precondition';

describe('matchesEtag', () => {
  const etag = '"12-abc"';

  it('matches the exact tag, a weak one and one in a list', () => {
    expect(matchesEtag('"12-abc"', etag)).toBe(true);
    expect(matchesEtag('W/"12-abc"', etag)).toBe(true);
    expect(matchesEtag('"11-abc", W/"12-abc" ,"13"', etag)).toBe(true);
  });

  it('matches nothing else: another version, an unquoted tag, a prefix or an empty header', () => {
    expect(matchesEtag('"11-abc"', etag)).toBe(false);
    expect(matchesEtag('12-abc', etag)).toBe(false);
    expect(matchesEtag('"12-ab"', etag)).toBe(false);
    expect(matchesEtag('"12-abc"x', etag)).toBe(false);
    expect(matchesEtag('', etag)).toBe(false);
  });
});
