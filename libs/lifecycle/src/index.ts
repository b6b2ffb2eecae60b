export { assertReachable, DependencyUnavailableError } from './dependency-check';
export { installGracefulShutdown, type ShutdownOptions } from './graceful-shutdown';
export { exitOnStartupFailure } from './startup-failure';
