import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import {
  EXAMPLE_SECRET_VALUES,
  PREVIOUS_SECRET_VARIABLES,
  SECRET_VARIABLES,
  apiEnvSchema,
  workerEnvSchema,
  type ApiEnv,
  type CommonEnv,
  type Environment,
} from './schema';
import { packageVersion } from './package-version';
import type { ApiConfigShape, RuntimeConfigShape, WorkerConfigShape } from './runtime-config';

type Env = Record<string, string | undefined>;

/** A configuration the process must not start with. The message is one line naming the variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const MIN_SECRET_BYTES = 32;

function isStrict(env: Environment): boolean {
  return env === 'production' || env === 'staging';
}

function parse<S extends z.ZodType>(schema: S, source: Env): z.infer<S> {
  // Empty strings mean "unset", as in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const issue = result.error.issues[0];
    const variable = issue?.path.join('.') || 'environment';
    throw new ConfigError(`config: ${variable} is invalid: ${issue?.message ?? 'unknown problem'}`);
  }
  return result.data;
}

function common(env: CommonEnv): RuntimeConfigShape {
  return {
    env: env.NODE_ENV,
    log: { level: env.LOG_LEVEL, pretty: env.LOG_PRETTY ?? env.NODE_ENV === 'development' },
    database: {
      url: env.DATABASE_URL,
      poolMax: env.DATABASE_POOL_MAX,
      connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
      preparedStatements: env.DATABASE_PREPARED_STATEMENTS,
    },
    redis: { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX },
    release: { commitSha: env.COMMIT_SHA, buildId: env.BUILD_ID, rulesetVersion: env.RULESET_VERSION },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    healthCheckTimeoutMs: env.HEALTH_CHECK_TIMEOUT_MS,
    metrics: { enabled: env.METRICS_ENABLED, token: env.METRICS_TOKEN ?? null },
    emailMessageIdDomain: env.EMAIL_MESSAGE_ID_DOMAIN,
    passwordResetTtlMinutes: env.PASSWORD_RESET_TTL_MINUTES,
  };
}

/**
 * Development's fixed key for data sealed at rest (TOTP secrets): it has to survive restarts and be
 * shared by every process, unlike a signing secret. Listed in EXAMPLE_SECRET_VALUES, so staging and
 * production refuse it.
 */
const DEVELOPMENT_SEALING_KEY = 'development-only-mfa-encryption-key-not-for-production';

/**
 * Secrets in staging and production must be set, long and not a documented example. In development
 * and test a missing signing secret gets a random per-process value, so nothing predictable ever
 * signs a token; the sealing key gets the fixed development one (see above).
 */
function secret(env: ApiEnv, name: (typeof SECRET_VARIABLES)[number]): string {
  const value = env[name];
  if (!isStrict(env.NODE_ENV)) {
    if (value !== undefined) return value;
    return name === 'MFA_ENCRYPTION_KEY'
      ? DEVELOPMENT_SEALING_KEY
      : randomBytes(MIN_SECRET_BYTES).toString('base64url');
  }
  if (value === undefined) throw new ConfigError(`config: ${name} is required in ${env.NODE_ENV}`);
  return strong(env, name, value);
}

function strong(env: ApiEnv, name: string, value: string): string {
  if (!isStrict(env.NODE_ENV)) return value;
  if (Buffer.byteLength(value, 'utf8') < MIN_SECRET_BYTES) {
    throw new ConfigError(`config: ${name} must be at least ${MIN_SECRET_BYTES} bytes in ${env.NODE_ENV}`);
  }
  if (EXAMPLE_SECRET_VALUES.includes(value)) {
    throw new ConfigError(`config: ${name} is a documented example value; generate a real secret`);
  }
  return value;
}

/**
 * The current secret and the retired ones still accepted (verify or open only, never sign or seal),
 * each held to the current one's rules. The current one listed again, or one twice, is dropped: harmless,
 * and a rotation half done by hand should not stop the process.
 */
function keyring(
  env: ApiEnv,
  name: keyof typeof PREVIOUS_SECRET_VARIABLES,
): { current: string; previous: string[] } {
  const current = secret(env, PREVIOUS_SECRET_VARIABLES[name]);
  const previous = env[name].map((value) => strong(env, name, value));
  return { current, previous: [...new Set(previous)].filter((value) => value !== current) };
}

export function loadApiConfig(source: Env = process.env): ApiConfigShape {
  const env = parse(apiEnvSchema, source);
  const strict = isStrict(env.NODE_ENV);
  const cookieSecure = env.COOKIE_SECURE ?? env.NODE_ENV !== 'development';
  const jwtKeys = keyring(env, 'JWT_PREVIOUS_SECRETS');
  const cookieKeys = keyring(env, 'COOKIE_PREVIOUS_SECRETS');
  const mfaKeys = keyring(env, 'MFA_PREVIOUS_ENCRYPTION_KEYS');
  if (strict && env.CORS_ORIGINS.includes('*')) {
    throw new ConfigError(`config: CORS_ORIGINS must list origins, not "*", in ${env.NODE_ENV}`);
  }
  if (env.CAPTCHA_PROVIDER === 'turnstile' && !env.TURNSTILE_SECRET_KEY) {
    throw new ConfigError('config: TURNSTILE_SECRET_KEY is required when CAPTCHA_PROVIDER is turnstile');
  }
  if (strict && !env.TURNSTILE_SITEVERIFY_URL.startsWith('https://')) {
    throw new ConfigError(`config: TURNSTILE_SITEVERIFY_URL must be https in ${env.NODE_ENV}`);
  }
  if (strict && !cookieSecure) {
    throw new ConfigError(`config: COOKIE_SECURE must be true in ${env.NODE_ENV}`);
  }
  return {
    ...common(env),
    http: {
      host: env.API_HOST,
      port: env.API_PORT,
      bodyLimitBytes: env.BODY_LIMIT_BYTES,
      corsOrigins: env.CORS_ORIGINS,
      trustProxy: env.TRUST_PROXY,
    },
    docsEnabled: env.DOCS_ENABLED ?? env.NODE_ENV === 'development',
    cookies: { secure: cookieSecure, secret: cookieKeys.current, previousSecrets: cookieKeys.previous },
    jwt: {
      secret: jwtKeys.current,
      previousSecrets: jwtKeys.previous,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
    },
    sessionTtlDays: env.SESSION_TTL_DAYS,
    sessionIdleTimeout: {
      userMs: env.SESSION_IDLE_TIMEOUT_MINUTES * 60_000,
      adminMs: env.ADMIN_SESSION_IDLE_TIMEOUT_MINUTES * 60_000,
    },
    lockout: { maxFailures: env.LOGIN_MAX_FAILURES, durationMs: env.LOGIN_LOCKOUT_MINUTES * 60_000 },
    mfa: {
      encryptionKey: mfaKeys.current,
      previousEncryptionKeys: mfaKeys.previous,
      issuer: env.MFA_ISSUER,
    },
    rateLimit: {
      enabled: env.RATE_LIMIT_ENABLED,
      tiers: {
        auth: env.RATE_LIMIT_AUTH,
        login: env.RATE_LIMIT_LOGIN,
        api: env.RATE_LIMIT_API,
        expensive: env.RATE_LIMIT_EXPENSIVE,
        ofrep: env.RATE_LIMIT_OFREP,
        telemetry: env.RATE_LIMIT_TELEMETRY,
      },
    },
    captcha: {
      provider: env.CAPTCHA_PROVIDER,
      secret: env.TURNSTILE_SECRET_KEY ?? null,
      siteverifyUrl: env.TURNSTILE_SITEVERIFY_URL,
      ...(env.TURNSTILE_EXPECTED_HOSTNAME ? { expectedHostname: env.TURNSTILE_EXPECTED_HOSTNAME } : {}),
      timeoutMs: env.CAPTCHA_TIMEOUT_MS,
      loginAfterFailures: env.CAPTCHA_LOGIN_AFTER_FAILURES,
    },
    health: { workerHeartbeatMaxAgeMs: env.WORKER_HEARTBEAT_MAX_AGE_MS },
    queueDashboardEnabled: env.QUEUE_DASHBOARD_ENABLED,
    adminDashboardEnabled: env.ADMIN_DASHBOARD_ENABLED,
    deployment: {
      name: env.RELEASE_NAME,
      version: env.RELEASE_VERSION ?? packageVersion(),
      releaseDate: env.RELEASE_DATE ?? null,
      mode: env.DEPLOYMENT_MODE,
    },
    flags: {
      refreshIntervalMs: env.FLAGS_REFRESH_INTERVAL_MS,
      maxStalenessMs: env.FLAGS_MAX_STALENESS_MS,
    },
  };
}

export function loadWorkerConfig(source: Env = process.env): WorkerConfigShape {
  const env = parse(workerEnvSchema, source);
  return {
    ...common(env),
    http: { host: env.WORKER_HOST, port: env.WORKER_PORT },
    heartbeatIntervalMs: env.WORKER_HEARTBEAT_INTERVAL_MS,
    concurrency: { maintenance: env.WORKER_MAINTENANCE_CONCURRENCY, email: env.WORKER_EMAIL_CONCURRENCY },
    lockDurationMs: env.WORKER_LOCK_DURATION_MS,
    rolloutEvaluationIntervalMs: env.ROLLOUT_EVALUATION_INTERVAL_MS,
    rolloutPrometheus: {
      url: env.ROLLOUT_PROMETHEUS_URL?.replace(/\/+$/, '') ?? null,
      timeoutMs: env.ROLLOUT_PROMETHEUS_TIMEOUT_MS,
    },
    smtp: {
      host: env.SMTP_HOST,
      port: env.SMTP_PORT,
      secure: env.SMTP_SECURE,
      requireTls: env.SMTP_REQUIRE_TLS,
      auth: env.SMTP_USER ? { user: env.SMTP_USER, password: env.SMTP_PASSWORD ?? '' } : null,
      timeoutMs: env.SMTP_TIMEOUT_MS,
    },
    email: {
      from: env.EMAIL_FROM,
      appUrl: env.EMAIL_APP_URL.replace(/\/$/, ''),
      productName: env.EMAIL_PRODUCT_NAME,
    },
    outbox: {
      sweepIntervalMs: env.OUTBOX_SWEEP_INTERVAL_MS,
      sweepAfterMs: env.OUTBOX_SWEEP_AFTER_MS,
      retentionDays: env.OUTBOX_RETENTION_DAYS,
    },
    retention: {
      loginAttemptDays: env.LOGIN_ATTEMPT_RETENTION_DAYS,
      endedSessionDays: env.SESSION_RETENTION_DAYS,
    },
    purgeCron: env.PURGE_CRON,
  };
}
