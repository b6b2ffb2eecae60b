import { InMemoryProvider, OpenFeature } from '@openfeature/server-sdk';
import { GuardrailHook } from './guardrail-hook';
import type { GuardrailReporter, RequestOutcome } from './guardrail-reporter';

/** The reporter's one method the hook calls, recording what it is given (no network here). */
class Recorded {
  readonly records: { flag: string; variant: string; outcome: RequestOutcome }[] = [];
  record(flag: string, variant: string, outcome: RequestOutcome): void {
    this.records.push({ flag, variant, outcome });
  }
}

const anyDuration = expect.any(Number) as number;

describe('GuardrailHook with the OpenFeature server SDK', () => {
  let recorded: Recorded;
  let hook: GuardrailHook;

  beforeAll(async () => {
    await OpenFeature.setProviderAndWait(
      new InMemoryProvider({
        checkout: {
          variants: { on: true, off: false },
          defaultVariant: 'off',
          disabled: false,
          contextEvaluator: (context) => (context.targetingKey === 'beta' ? 'on' : 'off'),
        },
        banner: { variants: { blue: 'blue' }, defaultVariant: 'blue', disabled: false },
      }),
    );
  });
  beforeEach(() => {
    recorded = new Recorded();
    hook = new GuardrailHook(recorded as unknown as GuardrailReporter);
    OpenFeature.clearHooks();
    OpenFeature.addHooks(hook);
  });
  afterAll(async () => {
    OpenFeature.clearHooks();
    await OpenFeature.close();
  });

  const client = () => OpenFeature.getClient();

  it("counts a request once for each variant it was served, with the request's outcome", async () => {
    const answer = await hook.measure(
      async () => {
        await client().getBooleanValue('checkout', false, { targetingKey: 'beta' });
        await client().getStringValue('banner', 'none');
        return { status: 503 };
      },
      { failed: (response) => response.status >= 500 },
    );
    expect(answer).toEqual({ status: 503 });
    expect(recorded.records).toEqual([
      { flag: 'checkout', variant: 'on', outcome: { durationMs: anyDuration, failed: true } },
      { flag: 'banner', variant: 'blue', outcome: { durationMs: anyDuration, failed: true } },
    ]);
  });

  it('counts a thrown error as a failure with an uncaught exception and rethrows it', async () => {
    const thrown = new Error('new code path broke');
    await expect(
      hook.measure(async () => {
        await client().getBooleanValue('checkout', false, { targetingKey: 'beta' });
        throw thrown;
      }),
    ).rejects.toBe(thrown);
    expect(recorded.records).toEqual([
      {
        flag: 'checkout',
        variant: 'on',
        outcome: { durationMs: anyDuration, failed: true, exception: true },
      },
    ]);
  });

  it('keeps concurrent requests apart and ignores evaluations outside a request', async () => {
    await client().getBooleanValue('checkout', false, { targetingKey: 'beta' });
    const request = (targetingKey: string, delayMs: number) =>
      hook.measure(async () => {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        await client().getBooleanValue('checkout', false, { targetingKey });
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      });
    await Promise.all([request('beta', 30), request('someone', 5)]);
    expect(recorded.records.map(({ variant, outcome }) => [variant, outcome.failed])).toEqual([
      ['off', false],
      ['on', false],
    ]);
    expect(recorded.records[1]!.outcome.durationMs).toBeGreaterThanOrEqual(55);
  });

  it('does not count a flag that fell back to its default without a variant', async () => {
    await hook.measure(() => client().getBooleanValue('no-such-flag', false));
    expect(recorded.records).toEqual([]);
  });
});
