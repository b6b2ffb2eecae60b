import { createHash } from 'node:crypto';
import { accountTracker, ipTracker } from './rate-limit.trackers';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('rate-limit trackers', () => {
  it('counts IPv4 clients per address and IPv6 clients per /64', () => {
    expect(ipTracker('203.0.113.7')).toBe('ip:203.0.113.7');
    expect(ipTracker('::ffff:203.0.113.7')).toBe('ip:203.0.113.7');
    expect(ipTracker('2001:db8:1:2:aaaa::1')).toBe(ipTracker('2001:db8:1:2:bbbb::9'));
    expect(ipTracker('2001:db8:1:2::1')).not.toBe(ipTracker('2001:db8:1:3::1'));
    expect(ipTracker(undefined)).toBe('ip:unknown');
  });

  it('counts an account by its normalised, hashed e-mail', () => {
    expect(accountTracker({ email: ' Ada@Example.COM ' })).toBe(`account:${sha256('ada@example.com')}`);
    expect(accountTracker({ email: 'ada@example.com', password: 'x' })).toBe(
      accountTracker({ email: 'ADA@example.com' }),
    );
  });

  it.each([undefined, null, 'ada@example.com', {}, { token: 'abc' }, { email: 42 }, { email: '   ' }])(
    'has no account for the body %j',
    (body) => {
      expect(accountTracker(body)).toBeUndefined();
    },
  );
});
