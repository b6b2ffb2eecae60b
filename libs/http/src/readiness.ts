import type {
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorFunction,
  HealthIndicatorResult,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { DomainError } from './domain-error';
import { withTimeout } from './with-timeout';

/**
 * One named check: up when `work` resolves within `timeoutMs` (its result becomes the check's
 * details), down with the error message otherwise.
 */
export async function probe(
  indicators: HealthIndicatorService,
  key: string,
  timeoutMs: number,
  work: () => Promise<Record<string, unknown> | void>,
): Promise<HealthIndicatorResult> {
  const check = indicators.check(key);
  try {
    const details = await withTimeout(work(), timeoutMs, key);
    return check.up(details ?? {});
  } catch (error) {
    const failure = error as Error & { details?: Record<string, unknown> };
    return check.down({ ...failure.details, message: failure.message });
  }
}

/** A failed check that still has details worth reporting (queue counts, ages). */
export class CheckFailed extends Error {
  constructor(
    message: string,
    readonly details: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Told each check's outcome (up or not) every time readiness runs: how metrics see readiness. */
export interface ReadinessObserver {
  checked(up: Record<string, boolean>): void;
}

function upByCheck(result: HealthCheckResult): Record<string, boolean> {
  return Object.fromEntries(
    Object.entries(result.details).map(([check, detail]) => [check, detail.status === 'up']),
  );
}

/**
 * Runs the readiness checks. All up: terminus' report. Any down: a 503 problem+json `not_ready`
 * that names the failing checks and carries every check's details. The observer, if any, sees
 * every check's outcome either way.
 */
export async function readiness(
  health: HealthCheckService,
  checks: HealthIndicatorFunction[],
  observer?: ReadinessObserver,
): Promise<HealthCheckResult> {
  try {
    const result = await health.check(checks);
    observer?.checked(upByCheck(result));
    return result;
  } catch (error) {
    const result = (error as { getResponse?: () => unknown }).getResponse?.() as
      HealthCheckResult | undefined;
    if (!result?.details) throw error;
    observer?.checked(upByCheck(result));
    const failing = Object.keys(result.error ?? {});
    throw new DomainError('not_ready', 503, `not ready: ${failing.join(', ')} failing`, {
      failing,
      checks: result.details,
    });
  }
}
