import { AsyncLocalStorage } from 'node:async_hooks';
import type { EvaluationDetails, FlagValue, Hook, HookContext } from '@openfeature/server-sdk';
import type { GuardrailReporter } from './guardrail-reporter';

/** The flag variants one request was served, by flag key (the last evaluation of a flag wins). */
type Served = Map<string, string>;

export interface MeasureOptions<T> {
  /** Whether a result that did not throw is still a failure (a 5xx answer, say). */
  failed?: (result: T) => boolean;
}

/**
 * An OpenFeature hook that ties each request's outcome to the flag variants it was served:
 *
 * ```ts
 * const guardrails = new GuardrailHook(new GuardrailReporter({ url, serverKey, instance }).start());
 * OpenFeature.addHooks(guardrails);
 * // per request:
 * await guardrails.measure(() => handle(request), { failed: (response) => response.status >= 500 });
 * ```
 *
 * Every flag evaluated inside `measure` (through any OpenFeature client) is remembered in the request's
 * async context; when the request ends, its duration and outcome are counted once for each variant it
 * was served. A request that throws counts as a failure with an uncaught exception, and the error is
 * rethrown unchanged. Evaluations outside `measure` are not counted: there is no request to judge.
 */
export class GuardrailHook implements Hook {
  private readonly requests = new AsyncLocalStorage<Served>();

  constructor(private readonly reporter: GuardrailReporter) {}

  after(_context: HookContext, details: EvaluationDetails<FlagValue>): void {
    // A flag that fell back to its default after an error has no variant: it is nobody's traffic.
    if (details.variant) this.requests.getStore()?.set(details.flagKey, details.variant);
  }

  async measure<T>(request: () => Promise<T>, options: MeasureOptions<T> = {}): Promise<T> {
    const served: Served = new Map();
    const started = performance.now();
    let result: T;
    try {
      result = await this.requests.run(served, request);
    } catch (error) {
      this.count(served, started, { failed: true, exception: true });
      throw error;
    }
    this.count(served, started, { failed: options.failed?.(result) ?? false });
    return result;
  }

  private count(served: Served, started: number, outcome: { failed: boolean; exception?: boolean }): void {
    const durationMs = performance.now() - started;
    for (const [flag, variant] of served) this.reporter.record(flag, variant, { durationMs, ...outcome });
  }
}
