export { ConfigModule } from './config.module';
export { ConfigError, loadApiConfig, loadWorkerConfig } from './load-config';
export { ApiConfig, RuntimeConfig, WorkerConfig } from './runtime-config';
export type { ApiConfigShape, RuntimeConfigShape, WorkerConfigShape } from './runtime-config';
export {
  DEPLOYMENT_MODES,
  ENVIRONMENTS,
  EXAMPLE_SECRET_VALUES,
  PREVIOUS_SECRET_VARIABLES,
  SECRET_VARIABLES,
  apiEnvSchema,
  workerEnvSchema,
} from './schema';
export type { DeploymentMode, Environment } from './schema';
export {
  RATE_LIMIT_TIERS,
  parseRateLimit,
  type RateLimitSettings,
  type RateLimitTier,
  type RateLimitWindow,
} from './rate-limits';
