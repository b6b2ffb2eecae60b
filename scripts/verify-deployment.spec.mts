import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatRow, parseOptions, parseSetCookies, totpCode } from './verify-deployment.mts';

describe('verify-deployment options', () => {
  it('derives the plain-http base from an https URL, on the default port, keeping a path prefix', () => {
    const options = parseOptions(['--url', 'https://edge.example.test:8443/rampart/']);
    expect(options.url.href).toBe('https://edge.example.test:8443/rampart');
    expect(options.httpUrl?.href).toBe('http://edge.example.test/rampart');
    expect(options.burst).toBeNull();
    expect(options.ttrMaxMs).toBe(2_000);
  });

  it('has no plain-http base for an http URL unless one is given', () => {
    expect(parseOptions(['--url', 'http://127.0.0.1:3000']).httpUrl).toBeNull();
    expect(
      parseOptions(['--url', 'http://127.0.0.1:3000', '--http-url', 'http://127.0.0.1:8080']).httpUrl?.href,
    ).toBe('http://127.0.0.1:8080/');
  });

  it('reads secrets from files, trimmed', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'verify-options-'));
    try {
      writeFileSync(path.join(dir, 'token'), 'the-token\n');
      writeFileSync(path.join(dir, 'password'), 'pass phrase\n');
      const options = parseOptions([
        ...['--url', 'https://x.test', '--operator-token-file', path.join(dir, 'token')],
        ...['--account', 'ops@x.test', '--password-file', path.join(dir, 'password')],
      ]);
      expect(options.operatorToken).toBe('the-token');
      expect(options.account).toEqual({ email: 'ops@x.test', password: 'pass phrase' });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it.each([
    [[], /--url is required/],
    [['--url', 'ftp://x.test'], /must be http/],
    [['--url', 'not a url'], /not a URL/],
    [['--url', 'https://x.test', '--burst', '0'], /--burst must be a positive integer/],
    [['--url', 'https://x.test', '--account', 'a@x.test'], /go together/],
    [['--url', 'https://x.test', '--totp-secret', 'ABC'], /needs --account/],
    [
      ['--url', 'https://x.test', '--operator-token', 't', '--operator-token-file', 'f'],
      /or --operator-token-file/,
    ],
    [['--url', 'https://x.test', '--nonsense'], /Unknown option/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(message);
  });
});

describe('verify-deployment helpers', () => {
  it('computes RFC 6238 codes (the RFC test vectors, six digits)', () => {
    // Base32 of the RFC's SHA-1 seed "12345678901234567890".
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    expect(totpCode(secret, 59_000)).toBe('287082');
    expect(totpCode(secret, 1_111_111_109_000)).toBe('081804');
    expect(totpCode(secret.toLowerCase(), 2_000_000_000_000)).toBe('279037');
  });

  it('reads Set-Cookie attributes case-insensitively', () => {
    const [access, csrf] = parseSetCookies([
      '__Host-rampart_access=abc.def; Max-Age=900; Path=/; HttpOnly; Secure; SameSite=Lax',
      'rampart_csrf=x=y; path=/app; samesite=strict; domain=example.test',
    ]);
    expect(access).toEqual({
      name: '__Host-rampart_access',
      value: 'abc.def',
      httpOnly: true,
      secure: true,
      sameSite: 'lax',
      path: '/',
    });
    expect(csrf).toEqual({
      name: 'rampart_csrf',
      value: 'x=y',
      httpOnly: false,
      secure: false,
      sameSite: 'strict',
      path: '/app',
      domain: 'example.test',
    });
  });

  it('prints a row as STATUS, name, detail and time', () => {
    expect(formatRow({ name: 'readiness', status: 'PASS', detail: 'GET /health/ready 200', ms: 12 })).toBe(
      'PASS  readiness         GET /health/ready 200 (12 ms)',
    );
  });
});
