import { createHmac } from 'node:crypto';
import { jwtVerify } from 'jose';
import type { ApiConfig } from '@rampart/config';
import { AccessTokens } from './access-tokens';
import { jwtKeyId } from './jwt-keys';

const K1 = 'first-signing-secret-0123456789-0123456789';
const K2 = 'second-signing-secret-0123456789-012345678';

function tokensWith(secret: string, previousSecrets: string[] = []): AccessTokens {
  return new AccessTokens({
    jwt: { secret, previousSecrets, issuer: 'rampart', audience: 'rampart-api', accessTokenTtlSeconds: 900 },
  } as ApiConfig);
}

const issue = (tokens: AccessTokens): string =>
  tokens.sign({ userId: 'u-1', sessionId: 's-1', role: 'viewer', amr: ['pwd'], tokenVersion: 0 }).token;

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token with any header over valid claims, HMAC-SHA256 signed with any key (or unsigned). */
function forge(header: Record<string, unknown>, key: string | Uint8Array | null): string {
  const now = Math.floor(Date.now() / 1_000);
  const claims = {
    iss: 'rampart',
    aud: 'rampart-api',
    sub: 'u-1',
    sid: 's-1',
    jti: 'j-1',
    role: 'viewer',
    amr: ['pwd'],
    ver: 0,
    iat: now,
    exp: now + 900,
  };
  const input = `${b64url(header)}.${b64url(claims)}`;
  return `${input}.${key === null ? '' : createHmac('sha256', key).update(input).digest('base64url')}`;
}

const code = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'accepted',
    (error: { code?: string }) => error.code ?? 'thrown',
  );

describe('AccessTokens signing', () => {
  it('signs a token that jose verifies with the key, carrying exactly the claims of the session', async () => {
    const before = Math.floor(Date.now() / 1_000);
    const issued = tokensWith(K1).sign({
      userId: 'u-7',
      sessionId: 's-7',
      role: 'operator',
      amr: ['pwd', 'mfa'],
      tokenVersion: 3,
    });
    const { payload, protectedHeader } = await jwtVerify(issued.token, new TextEncoder().encode(K1), {
      algorithms: ['HS256'],
      issuer: 'rampart',
      audience: 'rampart-api',
    });
    expect(protectedHeader).toEqual({ alg: 'HS256', typ: 'JWT', kid: jwtKeyId(K1) });
    expect(payload).toEqual({
      sid: 's-7',
      role: 'operator',
      amr: ['pwd', 'mfa'],
      ver: 3,
      iss: 'rampart',
      aud: 'rampart-api',
      sub: 'u-7',
      jti: issued.jti,
      iat: payload.iat,
      exp: (payload.iat ?? 0) + 900,
    });
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(issued.expiresAt.getTime()).toBe((payload.exp ?? 0) * 1_000);
  });

  it('signs with the current key only: another key does not verify its tokens', async () => {
    const issued = tokensWith(K2, [K1]).sign({
      userId: 'u-1',
      sessionId: 's-1',
      role: 'viewer',
      amr: ['pwd'],
      tokenVersion: 0,
    });
    await expect(jwtVerify(issued.token, new TextEncoder().encode(K1))).rejects.toThrow();
    await expect(jwtVerify(issued.token, new TextEncoder().encode(K2))).resolves.toBeDefined();
  });
});

describe('AccessTokens key rotation', () => {
  it('names the signing key in the kid header', () => {
    const token = issue(tokensWith(K1));
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as object;
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT', kid: jwtKeyId(K1) });
  });

  it('still verifies a token of the retired key while it is listed, and not once it is dropped', async () => {
    const token = issue(tokensWith(K1));
    expect(await code(tokensWith(K2, [K1]).verify(token))).toBe('accepted');
    expect(await code(tokensWith(K2).verify(token))).toBe('invalid_token');
    expect(await code(tokensWith(K2, [K1]).verify(issue(tokensWith(K2, [K1]))))).toBe('accepted');
  });

  it('refuses every token whose kid and key do not belong together, as an ordinary invalid token', async () => {
    const rotated = tokensWith(K2, [K1]);
    const forged: Record<string, string> = {
      'kid of the current key, signed with the retired key': forge({ alg: 'HS256', kid: jwtKeyId(K2) }, K1),
      'kid of the retired key, signed with the current key': forge({ alg: 'HS256', kid: jwtKeyId(K1) }, K2),
      'no kid, signed with the retired key': forge({ alg: 'HS256' }, K1),
      'unknown kid, signed with the current key': forge({ alg: 'HS256', kid: 'ffffffffffffffff' }, K2),
      'the kid string as the HMAC key': forge({ alg: 'HS256', kid: jwtKeyId(K2) }, jwtKeyId(K2)),
      'a numeric kid': forge({ alg: 'HS256', kid: 1 }, K2),
      'alg none with the current kid': forge({ alg: 'none', kid: jwtKeyId(K2) }, null),
      'kid of a dropped key': forge(
        { alg: 'HS256', kid: jwtKeyId('dropped-secret-0123456789-0123456789-01') },
        'dropped-secret-0123456789-0123456789-01',
      ),
    };
    for (const [name, token] of Object.entries(forged)) {
      expect([name, await code(rotated.verify(token))]).toEqual([name, 'invalid_token']);
    }
    // The control: the same forging, with the right key for the kid, is accepted.
    expect(await code(rotated.verify(forge({ alg: 'HS256', kid: jwtKeyId(K1) }, K1)))).toBe('accepted');
    expect(await code(rotated.verify(forge({ alg: 'HS256' }, K2)))).toBe('accepted');
  });
});

describe('AccessTokens verified-token cache', () => {
  afterEach(() => jest.useRealTimers());

  it('answers a token it verified with the same claims, and refuses it once it expires as the first check would', async () => {
    jest.useFakeTimers({ now: Date.parse('2026-11-30T12:00:00Z') });
    const tokens = tokensWith(K1);
    const token = issue(tokens);
    const first = await tokens.verify(token);
    expect(await tokens.verify(token)).toEqual(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.amr)).toBe(true);
    // 900 s lifetime plus the 30 s skew: accepted until then, expired after, from the cache too.
    jest.setSystemTime(Date.parse('2026-11-30T12:15:29Z'));
    expect(await code(tokens.verify(token))).toBe('accepted');
    jest.setSystemTime(Date.parse('2026-11-30T12:15:31Z'));
    expect(await code(tokens.verify(token))).toBe('token_expired');
  });

  it('never remembers a token that failed: an altered copy of a cached token is refused', async () => {
    const tokens = tokensWith(K1);
    const token = issue(tokens);
    await tokens.verify(token);
    const [header, payload, signature = ''] = token.split('.');
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BA' : 'AA'}`;
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    const promoted = b64url({ ...claims, role: 'admin' });
    for (const altered of [`${header}.${payload}.${flipped}`, `${header}.${promoted}.${signature}`]) {
      expect(await code(tokens.verify(altered))).toBe('invalid_token');
      expect(await code(tokens.verify(altered))).toBe('invalid_token');
    }
    expect(await code(tokens.verify(token))).toBe('accepted');
  });
});
