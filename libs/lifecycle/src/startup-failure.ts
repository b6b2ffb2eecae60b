/**
 * Prints why a process could not start, as one line on stderr, and exits non-zero.
 * Configuration errors and unreachable dependencies say what to fix; anything else is a bug
 * and keeps its stack.
 */
export function exitOnStartupFailure(component: string, error: unknown): never {
  if (
    error instanceof Error &&
    (error.name === 'ConfigError' || error.name === 'DependencyUnavailableError')
  ) {
    process.stderr.write(`${component}: ${error.message}\n`);
  } else {
    process.stderr.write(
      `${component}: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exit(1);
}
