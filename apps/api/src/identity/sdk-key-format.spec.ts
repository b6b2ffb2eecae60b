import { looksLikeSdkKey, newSdkKey, sdkKeyHash } from './sdk-key-format';

describe('SDK key format', () => {
  it('issues distinct keys of each kind, recognisable, with a short prefix and a SHA-256 hash', () => {
    const server = newSdkKey('server');
    const client = newSdkKey('client');
    expect(server.key).toMatch(/^rk_server_[A-Za-z0-9_-]{43}$/);
    expect(client.key).toMatch(/^rk_client_[A-Za-z0-9_-]{43}$/);
    expect(server.key).not.toBe(newSdkKey('server').key);
    expect(server.hash).toBe(sdkKeyHash(server.key));
    expect(server.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(server.prefix).toBe(`${server.key.slice(0, 14)}…`);
    expect(looksLikeSdkKey(server.key) && looksLikeSdkKey(client.key)).toBe(true);
  });

  it.each([
    '',
    'rk_server_short',
    'rk_admin_' + 'a'.repeat(43),
    'eyJhbGciOiJIUzI1NiJ9.e30.sig',
    `rk_server_${'a'.repeat(44)}`,
  ])('does not take %j for an SDK key', (credential) => {
    expect(looksLikeSdkKey(credential)).toBe(false);
  });
});
