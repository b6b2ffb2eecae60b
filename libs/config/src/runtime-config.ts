import type { RateLimitSettings } from './rate-limits';
import type { CaptchaProvider, DeploymentMode, Environment } from './schema';

/** What both apps share: where the data lives, who they are, and how they log and stop. */
export interface RuntimeConfigShape {
  env: Environment;
  log: { level: string; pretty: boolean };
  database: { url: string; poolMax: number; connectTimeoutMs: number; preparedStatements: boolean };
  redis: { url: string; keyPrefix: string };
  release: { commitSha: string; buildId: string; rulesetVersion: string };
  shutdownTimeoutMs: number;
  healthCheckTimeoutMs: number;
  /**
   * `GET /metrics` (Prometheus) and the HTTP request metrics behind it. With a token, the scraper
   * must send it as a bearer token.
   */
  metrics: { enabled: boolean; token: string | null };
  /** The domain part of every Message-ID Rampart generates (`<outbox-id@domain>`). */
  emailMessageIdDomain: string;
  /** Lifetime of a password reset link: the worker issues the links the API is asked for. */
  passwordResetTtlMinutes: number;
}

export interface ApiConfigShape extends RuntimeConfigShape {
  http: {
    host: string;
    port: number;
    bodyLimitBytes: number;
    corsOrigins: string[];
    /** Addresses or CIDRs (or proxy-addr names such as `loopback`) whose forwarding headers are believed. Empty: none. */
    trustProxy: string[];
  };
  docsEnabled: boolean;
  /** `secret` computes CSRF tokens; `previousSecrets` (retired by a rotation) are still accepted. */
  cookies: { secure: boolean; secret: string; previousSecrets: string[] };
  /**
   * Access tokens: HS256 JWTs (the algorithm is pinned in code, not configurable), signed with `secret`;
   * `previousSecrets` (retired by a rotation) still verify the tokens they signed, by key id.
   */
  jwt: {
    secret: string;
    previousSecrets: string[];
    issuer: string;
    audience: string;
    accessTokenTtlSeconds: number;
  };
  /** A sign-in's absolute lifetime: refreshing never extends it. */
  sessionTtlDays: number;
  /** A session unused this long ends; every authenticated request slides the window. */
  sessionIdleTimeout: { userMs: number; adminMs: number };
  /** Consecutive failed sign-ins that lock an address, and for how long. */
  lockout: { maxFailures: number; durationMs: number };
  /**
   * TOTP secrets are sealed at rest with a key derived from `encryptionKey` (the previous keys still open
   * what they sealed, until `npm run secrets:reseal-mfa` re-seals it); the issuer shown in authenticator apps.
   */
  mfa: { encryptionKey: string; previousEncryptionKeys: string[]; issuer: string };
  /** Requests per window per tier, counted in Redis across API processes. */
  rateLimit: RateLimitSettings;
  /** CAPTCHA on sign-up, and on sign-in once an address has `loginAfterFailures` consecutive failures. */
  captcha: {
    provider: CaptchaProvider;
    secret: string | null;
    siteverifyUrl: string;
    expectedHostname?: string;
    timeoutMs: number;
    loginAfterFailures: number;
  };
  health: { workerHeartbeatMaxAgeMs: number };
  /** The bull-board UI at /admin/queues, behind the API's authentication and queue permissions. */
  queueDashboardEnabled: boolean;
  /** The Phase-1 dashboard page at /admin/dashboard (GET /v1/admin/dashboard exists either way). */
  adminDashboardEnabled: boolean;
  /** What the dashboard's banner says about this deployment. */
  deployment: {
    name: string;
    /** RELEASE_VERSION, or the version in package.json. */
    version: string;
    /** The release date (YYYY-MM-DD, UTC); null when not given. */
    releaseDate: string | null;
    mode: DeploymentMode;
  };
  flags: {
    /** How often a process checks PostgreSQL for a newer flag-set version (the safety net under pub/sub). */
    refreshIntervalMs: number;
    /** Readiness fails when the process could not confirm it serves the newest version for this long. */
    maxStalenessMs: number;
  };
}

export interface WorkerConfigShape extends RuntimeConfigShape {
  http: { host: string; port: number };
  heartbeatIntervalMs: number;
  concurrency: { maintenance: number; email: number };
  /** How long a job's lock lasts: a worker killed mid-job has its job run again after this. */
  lockDurationMs: number;
  /** How often the worker evaluates every running rollout's guardrails. */
  rolloutEvaluationIntervalMs: number;
  /**
   * The Prometheus that prometheus guardrails query (HTTP API base URL, credentials allowed in it);
   * null: those guardrails have no data. Each instant query gives up after timeoutMs.
   */
  rolloutPrometheus: { url: string | null; timeoutMs: number };
  smtp: {
    host: string;
    port: number;
    secure: boolean;
    requireTls: boolean;
    auth: { user: string; password: string } | null;
    timeoutMs: number;
  };
  email: { from: string; appUrl: string; productName: string };
  outbox: { sweepIntervalMs: number; sweepAfterMs: number; retentionDays: number };
  /** How long the purge jobs keep login attempts and ended (expired or revoked) sessions. */
  retention: { loginAttemptDays: number; endedSessionDays: number };
  purgeCron: string;
}

// Each config is an abstract class merged with its shape, so Nest can inject it by type
// (`constructor(private readonly config: ApiConfig)`) with no string tokens.
/* eslint-disable @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- the class is only a DI token; the interface gives it its shape */
export abstract class RuntimeConfig {}
export interface RuntimeConfig extends RuntimeConfigShape {}
export abstract class ApiConfig {}
export interface ApiConfig extends ApiConfigShape {}
export abstract class WorkerConfig {}
export interface WorkerConfig extends WorkerConfigShape {}
/* eslint-enable @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type */
