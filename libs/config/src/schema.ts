// The environment variables Rampart reads, their defaults and their validation.
// Every variable here is documented in .env.production.example (a unit test checks both ways).
import { z } from 'zod';
import { parseRateLimit } from './rate-limits';

export const ENVIRONMENTS = ['development', 'test', 'staging', 'production'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** Values shipped in .env.example / .env.production.example: never acceptable as real secrets. */
export const EXAMPLE_SECRET_VALUES: readonly string[] = [
  'development-only-jwt-secret-not-for-production-use',
  'development-only-cookie-secret-not-for-production-use',
  'development-only-mfa-encryption-key-not-for-production',
  'change-me-to-a-random-secret-of-at-least-32-bytes',
];

/** Who checks CAPTCHA answers: nobody (`disabled`) or Cloudflare Turnstile. */
export const CAPTCHA_PROVIDERS = ['disabled', 'turnstile'] as const;
export type CaptchaProvider = (typeof CAPTCHA_PROVIDERS)[number];

/** Who this deployment serves, as the dashboard's banner says it: administrators only, or everyone. */
export const DEPLOYMENT_MODES = ['admin-only', 'public'] as const;
export type DeploymentMode = (typeof DEPLOYMENT_MODES)[number];

/** The variables that hold secrets: required, 32+ bytes and not an example value outside dev/test. */
export const SECRET_VARIABLES = ['JWT_SECRET', 'COOKIE_SECRET', 'MFA_ENCRYPTION_KEY'] as const;

/**
 * Retired keys still accepted during a rotation, each validated like the secret it follows. A separate
 * list (rather than one `JWT_KEYS=current,old` list) keeps the variable that signs unchanged and
 * unambiguous: the current key is always the one named above, never "whichever comes first", so
 * moving a key to the list can only make it verify-only, never make it sign again by reordering.
 */
export const PREVIOUS_SECRET_VARIABLES = {
  JWT_PREVIOUS_SECRETS: 'JWT_SECRET',
  COOKIE_PREVIOUS_SECRETS: 'COOKIE_SECRET',
  MFA_PREVIOUS_ENCRYPTION_KEYS: 'MFA_ENCRYPTION_KEY',
} as const satisfies Record<string, (typeof SECRET_VARIABLES)[number]>;

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const bool = z.stringbool({ truthy: ['true', '1', 'yes', 'on'], falsy: ['false', '0', 'no', 'off'] });
/** `<limit>/<seconds>`, e.g. `5/60`. */
const rateLimit = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, context) => {
      try {
        return parseRateLimit(value);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    });
const list = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

export const commonEnvSchema = z.object({
  NODE_ENV: z.enum(ENVIRONMENTS).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: bool.optional(),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .default('postgresql://postgres@127.0.0.1:5432/rampart'),
  DATABASE_POOL_MAX: positiveInt.default(10),
  DATABASE_CONNECT_TIMEOUT_MS: positiveInt.default(5_000),
  DATABASE_PREPARED_STATEMENTS: bool.default(true),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_.-]{1,64}$/, 'letters, digits, dot, dash and underscore, at most 64')
    .default('rampart'),
  COMMIT_SHA: z.string().min(1).max(64).default('unknown'),
  BUILD_ID: z.string().min(1).max(128).default('local'),
  RULESET_VERSION: z.string().min(1).max(64).default('v1.0'),
  EMAIL_MESSAGE_ID_DOMAIN: z
    .string()
    .regex(/^[a-z0-9.-]+$/i, 'a domain name')
    .default('rampart.local'),
  SHUTDOWN_TIMEOUT_MS: positiveInt.default(10_000),
  HEALTH_CHECK_TIMEOUT_MS: positiveInt.default(2_000),
  METRICS_ENABLED: bool.default(true),
  METRICS_TOKEN: z.string().min(32, 'at least 32 characters').max(256).optional(),
  // Both apps: the API accepts reset requests, the worker issues the links.
  PASSWORD_RESET_TTL_MINUTES: positiveInt.max(1_440).default(60),
});

export const apiEnvSchema = commonEnvSchema.extend({
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
  CORS_ORIGINS: list.default([]),
  TRUST_PROXY: list.default([]),
  BODY_LIMIT_BYTES: positiveInt.default(262_144),
  DOCS_ENABLED: bool.optional(),
  COOKIE_SECURE: bool.optional(),
  JWT_SECRET: z.string().optional(),
  COOKIE_SECRET: z.string().optional(),
  MFA_ENCRYPTION_KEY: z.string().optional(),
  // Comma-separated: generated secrets (`openssl rand -base64 48`, hex) never contain a comma.
  JWT_PREVIOUS_SECRETS: list.default([]),
  COOKIE_PREVIOUS_SECRETS: list.default([]),
  MFA_PREVIOUS_ENCRYPTION_KEYS: list.default([]),
  WORKER_HEARTBEAT_MAX_AGE_MS: positiveInt.default(90_000),
  QUEUE_DASHBOARD_ENABLED: bool.default(false),
  ADMIN_DASHBOARD_ENABLED: bool.default(true),
  // The release as the dashboard's banner names it (COMMIT_SHA and BUILD_ID are common to both apps).
  RELEASE_NAME: z.string().min(1).max(64).default('Rampart'),
  RELEASE_VERSION: z.string().min(1).max(64).optional(),
  RELEASE_DATE: z.iso.date().optional(),
  DEPLOYMENT_MODE: z.enum(DEPLOYMENT_MODES).default('admin-only'),
  JWT_ISSUER: z.string().min(1).max(256).default('rampart'),
  JWT_AUDIENCE: z.string().min(1).max(256).default('rampart-api'),
  ACCESS_TOKEN_TTL_SECONDS: positiveInt.min(60).max(3_600).default(900),
  SESSION_TTL_DAYS: positiveInt.max(365).default(30),
  SESSION_IDLE_TIMEOUT_MINUTES: positiveInt.default(10_080),
  ADMIN_SESSION_IDLE_TIMEOUT_MINUTES: positiveInt.default(15),
  LOGIN_MAX_FAILURES: positiveInt.max(100).default(5),
  // Fractions allowed (0.05 is 3 s), so tests can watch a lock end.
  LOGIN_LOCKOUT_MINUTES: z.coerce.number().positive().max(1_440).default(15),
  MFA_ISSUER: z.string().min(1).max(64).default('Rampart'),
  CAPTCHA_PROVIDER: z.enum(CAPTCHA_PROVIDERS).default('disabled'),
  TURNSTILE_SECRET_KEY: z.string().optional(),
  TURNSTILE_SITEVERIFY_URL: z
    .url({ protocol: /^https?$/ })
    .default('https://challenges.cloudflare.com/turnstile/v0/siteverify'),
  TURNSTILE_EXPECTED_HOSTNAME: z.string().optional(),
  CAPTCHA_TIMEOUT_MS: positiveInt.default(3_000),
  CAPTCHA_LOGIN_AFTER_FAILURES: positiveInt.default(3),
  RATE_LIMIT_ENABLED: bool.default(true),
  RATE_LIMIT_AUTH: rateLimit('5/60'),
  RATE_LIMIT_LOGIN: rateLimit('10/60'),
  RATE_LIMIT_API: rateLimit('50/60'),
  RATE_LIMIT_EXPENSIVE: rateLimit('20/60'),
  RATE_LIMIT_OFREP: rateLimit('6000/60'),
  RATE_LIMIT_TELEMETRY: rateLimit('1200/60'),
  FLAGS_REFRESH_INTERVAL_MS: positiveInt.min(100).max(60_000).default(1_000),
  FLAGS_MAX_STALENESS_MS: positiveInt.min(1_000).default(15_000),
});

export const workerEnvSchema = commonEnvSchema.extend({
  WORKER_HOST: z.string().min(1).default('127.0.0.1'),
  WORKER_PORT: port.default(3001),
  WORKER_HEARTBEAT_INTERVAL_MS: positiveInt.default(30_000),
  WORKER_MAINTENANCE_CONCURRENCY: positiveInt.default(1),
  WORKER_EMAIL_CONCURRENCY: positiveInt.default(4),
  WORKER_LOCK_DURATION_MS: positiveInt.min(1_000).default(30_000),
  SMTP_HOST: z.string().min(1).default('127.0.0.1'),
  SMTP_PORT: port.default(1025),
  SMTP_SECURE: bool.default(false),
  SMTP_REQUIRE_TLS: bool.default(false),
  SMTP_USER: z.string().optional(),
  SMTP_PASSWORD: z.string().optional(),
  SMTP_TIMEOUT_MS: positiveInt.default(10_000),
  EMAIL_FROM: z.string().min(3).default('Rampart <no-reply@rampart.local>'),
  EMAIL_APP_URL: z.url({ protocol: /^https?$/ }).default('http://localhost:5173'),
  EMAIL_PRODUCT_NAME: z.string().min(1).max(64).default('Rampart'),
  OUTBOX_SWEEP_INTERVAL_MS: positiveInt.default(15_000),
  ROLLOUT_EVALUATION_INTERVAL_MS: positiveInt.min(1_000).default(5_000),
  // Where prometheus guardrails are queried; unset, they have no data (never roll back, never advance).
  ROLLOUT_PROMETHEUS_URL: z.url({ protocol: /^https?$/ }).optional(),
  ROLLOUT_PROMETHEUS_TIMEOUT_MS: positiveInt.max(60_000).default(5_000),
  OUTBOX_SWEEP_AFTER_MS: positiveInt.default(30_000),
  OUTBOX_RETENTION_DAYS: positiveInt.default(30),
  LOGIN_ATTEMPT_RETENTION_DAYS: positiveInt.default(30),
  SESSION_RETENTION_DAYS: positiveInt.default(30),
  PURGE_CRON: z.string().min(9).default('15 3 * * *'),
});

export type CommonEnv = z.infer<typeof commonEnvSchema>;
export type ApiEnv = z.infer<typeof apiEnvSchema>;
export type WorkerEnv = z.infer<typeof workerEnvSchema>;
