import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadApiConfig, loadWorkerConfig } from './load-config';
import { EXAMPLE_SECRET_VALUES } from './schema';

const STRONG_JWT = 'jwt-secret-0123456789-0123456789-0123456789';
const STRONG_COOKIE = 'cookie-secret-0123456789-0123456789-012345';

function production(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    NODE_ENV: 'production',
    JWT_SECRET: STRONG_JWT,
    COOKIE_SECRET: STRONG_COOKIE,
    MFA_ENCRYPTION_KEY: 'mfa-key-0123456789-0123456789-0123456789',
    ...overrides,
  };
}

describe('loadApiConfig', () => {
  it('applies the documented defaults in development', () => {
    const config = loadApiConfig({});
    expect(config.env).toBe('development');
    expect(config.http).toEqual({
      host: '127.0.0.1',
      port: 3000,
      bodyLimitBytes: 262_144,
      corsOrigins: [],
      trustProxy: [],
    });
    expect(config.database.url).toBe('postgresql://postgres@127.0.0.1:5432/rampart');
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379', keyPrefix: 'rampart' });
    expect(config.docsEnabled).toBe(true);
    expect(config.cookies.secure).toBe(false);
    expect(config.log.pretty).toBe(true);
  });

  it('gives development a random secret per process instead of a predictable one', () => {
    const first = loadApiConfig({});
    const second = loadApiConfig({});
    expect(first.jwt.secret).not.toBe(second.jwt.secret);
    expect(Buffer.from(first.jwt.secret, 'base64url').length).toBeGreaterThanOrEqual(32);
  });

  it('gives development a fixed sealing key, so sealed TOTP secrets survive restarts and other processes', () => {
    expect(loadApiConfig({}).mfa.encryptionKey).toBe(loadApiConfig({}).mfa.encryptionKey);
    expect(EXAMPLE_SECRET_VALUES).toContain(loadApiConfig({}).mfa.encryptionKey);
  });

  it('accepts a strong production configuration with secure defaults', () => {
    const config = loadApiConfig(production({ CORS_ORIGINS: 'https://a.example, https://b.example' }));
    expect(config.cookies).toEqual({ secure: true, secret: STRONG_COOKIE, previousSecrets: [] });
    expect(config.jwt.previousSecrets).toEqual([]);
    expect(config.mfa.previousEncryptionKeys).toEqual([]);
    expect(config.http.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.docsEnabled).toBe(false);
    expect(config.log.pretty).toBe(false);
  });

  it.each(['production', 'staging'])('refuses weak secrets in %s, naming the variable only', (env) => {
    const cases: [Record<string, string | undefined>, RegExp][] = [
      [{ JWT_SECRET: undefined }, /^config: JWT_SECRET is required in /],
      [{ COOKIE_SECRET: '' }, /^config: COOKIE_SECRET is required in /],
      [{ MFA_ENCRYPTION_KEY: undefined }, /^config: MFA_ENCRYPTION_KEY is required in /],
      [{ JWT_SECRET: 'x'.repeat(31) }, /^config: JWT_SECRET must be at least 32 bytes/],
      ...EXAMPLE_SECRET_VALUES.map((value): [Record<string, string>, RegExp] => [
        { COOKIE_SECRET: value },
        /COOKIE_SECRET is a documented example/,
      ]),
    ];
    for (const [overrides, message] of cases) {
      const attempt = (): unknown => loadApiConfig(production({ NODE_ENV: env, ...overrides }));
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(message);
      try {
        attempt();
      } catch (error) {
        expect((error as Error).message).not.toContain('x'.repeat(31));
        expect((error as Error).message.split('\n')).toHaveLength(1);
      }
    }
  });

  it('reads the retired keys of a rotation as lists, without the current key or repeats', () => {
    const old = 'old-jwt-secret-0123456789-0123456789-0123';
    const older = 'older-jwt-secret-0123456789-0123456789-01';
    const config = loadApiConfig(
      production({
        JWT_PREVIOUS_SECRETS: ` ${old}, ${older},${old},${STRONG_JWT}`,
        COOKIE_PREVIOUS_SECRETS: old,
        MFA_PREVIOUS_ENCRYPTION_KEYS: older,
      }),
    );
    expect(config.jwt).toMatchObject({ secret: STRONG_JWT, previousSecrets: [old, older] });
    expect(config.cookies.previousSecrets).toEqual([old]);
    expect(config.mfa.previousEncryptionKeys).toEqual([older]);
  });

  it.each(['JWT_PREVIOUS_SECRETS', 'COOKIE_PREVIOUS_SECRETS', 'MFA_PREVIOUS_ENCRYPTION_KEYS'])(
    'holds every key in %s to the rules of the current one in production',
    (name) => {
      const strongOld = 'old-secret-0123456789-0123456789-0123456';
      expect(() => loadApiConfig(production({ [name]: `${strongOld},${'y'.repeat(31)}` }))).toThrow(
        new RegExp(`^config: ${name} must be at least 32 bytes`),
      );
      expect(() => loadApiConfig(production({ [name]: EXAMPLE_SECRET_VALUES[0] }))).toThrow(
        new RegExp(`^config: ${name} is a documented example`),
      );
      try {
        loadApiConfig(production({ [name]: 'y'.repeat(31) }));
      } catch (error) {
        expect((error as Error).message).not.toContain('y'.repeat(31));
      }
    },
  );

  it('counts a secret in bytes, not characters', () => {
    // 16 characters of 2 bytes each: 32 bytes, accepted.
    expect(loadApiConfig(production({ JWT_SECRET: 'é'.repeat(16) })).jwt.secret).toBe('é'.repeat(16));
    expect(() => loadApiConfig(production({ JWT_SECRET: 'é'.repeat(15) }))).toThrow(/at least 32 bytes/);
  });

  it('refuses CORS "*" and insecure cookies in production', () => {
    expect(() => loadApiConfig(production({ CORS_ORIGINS: '*' }))).toThrow(/CORS_ORIGINS must list origins/);
    expect(() => loadApiConfig(production({ COOKIE_SECURE: 'false' }))).toThrow(/COOKIE_SECURE must be true/);
  });

  it('allows the (guarded) queue dashboard in production when asked for', () => {
    expect(loadApiConfig(production({ QUEUE_DASHBOARD_ENABLED: 'true' })).queueDashboardEnabled).toBe(true);
    expect(loadApiConfig(production()).queueDashboardEnabled).toBe(false);
  });

  it("names the release for the dashboard's banner, with the package version unless told otherwise", () => {
    expect(loadApiConfig({}).deployment).toEqual({
      name: 'Rampart',
      version: (
        JSON.parse(readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as {
          version: string;
        }
      ).version,
      releaseDate: null,
      mode: 'admin-only',
    });
    expect(loadApiConfig({}).adminDashboardEnabled).toBe(true);
    const named = loadApiConfig({
      RELEASE_NAME: 'ATLAS',
      RELEASE_VERSION: 'v1',
      RELEASE_DATE: '2025-09-24',
      DEPLOYMENT_MODE: 'public',
      ADMIN_DASHBOARD_ENABLED: 'false',
    });
    expect(named.deployment).toEqual({
      name: 'ATLAS',
      version: 'v1',
      releaseDate: '2025-09-24',
      mode: 'public',
    });
    expect(named.adminDashboardEnabled).toBe(false);
    expect(() => loadApiConfig({ RELEASE_DATE: '24.09.2025' })).toThrow(/^config: RELEASE_DATE is invalid/);
    expect(() => loadApiConfig({ DEPLOYMENT_MODE: 'open' })).toThrow(/^config: DEPLOYMENT_MODE is invalid/);
  });

  it('needs a Turnstile secret when CAPTCHA is on, and an https siteverify in production', () => {
    expect(() => loadApiConfig({ CAPTCHA_PROVIDER: 'turnstile' })).toThrow(
      /TURNSTILE_SECRET_KEY is required/,
    );
    expect(loadApiConfig({ CAPTCHA_PROVIDER: 'turnstile', TURNSTILE_SECRET_KEY: 's' }).captcha).toMatchObject(
      {
        provider: 'turnstile',
        secret: 's',
        loginAfterFailures: 3,
      },
    );
    expect(() =>
      loadApiConfig(
        production({
          CAPTCHA_PROVIDER: 'turnstile',
          TURNSTILE_SECRET_KEY: 's',
          TURNSTILE_SITEVERIFY_URL: 'http://x.test/v',
        }),
      ),
    ).toThrow(/TURNSTILE_SITEVERIFY_URL must be https/);
  });

  it('rejects malformed values with the variable name', () => {
    expect(() => loadApiConfig({ API_PORT: '70000' })).toThrow(/^config: API_PORT is invalid/);
    expect(() => loadApiConfig({ DATABASE_URL: 'mysql://x@y/z' })).toThrow(
      /^config: DATABASE_URL is invalid/,
    );
    expect(() => loadApiConfig({ NODE_ENV: 'prod' })).toThrow(/^config: NODE_ENV is invalid/);
    expect(() => loadApiConfig({ DOCS_ENABLED: 'maybe' })).toThrow(/^config: DOCS_ENABLED is invalid/);
    expect(() => loadApiConfig({ REDIS_KEY_PREFIX: 'has space' })).toThrow(
      /^config: REDIS_KEY_PREFIX is invalid/,
    );
  });
});

describe('loadWorkerConfig', () => {
  it('applies the documented defaults and reads its own variables', () => {
    expect(loadWorkerConfig({})).toMatchObject({
      http: { host: '127.0.0.1', port: 3001 },
      heartbeatIntervalMs: 30_000,
      concurrency: { maintenance: 1 },
    });
    expect(loadWorkerConfig({ WORKER_MAINTENANCE_CONCURRENCY: '4' }).concurrency.maintenance).toBe(4);
  });

  it('reads SMTP and e-mail settings, with authentication only when a user is set', () => {
    const plain = loadWorkerConfig({});
    expect(plain.smtp).toEqual({
      host: '127.0.0.1',
      port: 1025,
      secure: false,
      requireTls: false,
      auth: null,
      timeoutMs: 10_000,
    });
    const relay = loadWorkerConfig({
      SMTP_HOST: 'smtp.example.com',
      SMTP_PORT: '587',
      SMTP_REQUIRE_TLS: 'true',
      SMTP_USER: 'rampart',
      SMTP_PASSWORD: 'pw',
      EMAIL_APP_URL: 'https://app.example.com/',
    });
    expect(relay.smtp).toMatchObject({
      host: 'smtp.example.com',
      port: 587,
      requireTls: true,
      auth: { user: 'rampart', password: 'pw' },
    });
    expect(relay.email.appUrl).toBe('https://app.example.com');
    expect(() => loadWorkerConfig({ EMAIL_APP_URL: 'javascript:alert(1)' })).toThrow(
      /^config: EMAIL_APP_URL is invalid/,
    );
  });
});
