import { fieldErrorsOf, type FieldErrors } from '@rampart/flag-evaluation';
import { guardrailListSchema, guardrailSchema, MAX_DURATION_MS, MAX_GUARDRAILS } from './guardrail-schema';
import {
  aLatencyGuardrail,
  aMemoryGuardrail,
  anErrorRateGuardrail,
  anExceptionsGuardrail,
  aPrometheusGuardrail,
} from './testing/telemetry-factory';

function errorsOf(guardrail: unknown): FieldErrors {
  const parsed = guardrailSchema.safeParse(guardrail);
  return parsed.success ? {} : fieldErrorsOf(parsed.error);
}

describe('guardrailSchema', () => {
  it.each([
    anErrorRateGuardrail(),
    aLatencyGuardrail(),
    aMemoryGuardrail(),
    anExceptionsGuardrail(),
    aPrometheusGuardrail(),
  ])('accepts a valid $kind guardrail', (guardrail) => {
    expect(errorsOf(guardrail)).toEqual({});
  });

  it('fills in 95 % confidence and the p95', () => {
    const { confidence: _c, quantile: _q, ...latency } = aLatencyGuardrail() as Record<string, unknown>;
    expect(guardrailSchema.parse(latency)).toMatchObject({ confidence: 0.95, quantile: 0.95 });
  });

  it.each([
    ['a threshold of 0', anErrorRateGuardrail({ threshold: 0 }), 'threshold'],
    ['a threshold of 1', anErrorRateGuardrail({ threshold: 1 }), 'threshold'],
    ['a window under a second', anErrorRateGuardrail({ windowMs: 999 }), 'windowMs'],
    ['a duration over a week', anErrorRateGuardrail({ forMs: MAX_DURATION_MS + 1 }), 'forMs'],
    ['minSamples of 0', anErrorRateGuardrail({ minSamples: 0 }), 'minSamples'],
    ['fractional minSamples', aLatencyGuardrail({ minSamples: 1.5 }), 'minSamples'],
    ['a confidence outside the set', anErrorRateGuardrail({ confidence: 0.8 as 0.9 }), 'confidence'],
    ['a latency threshold between bounds', aLatencyGuardrail({ thresholdMs: 1_500 }), 'thresholdMs'],
    ['a quantile of 1', aLatencyGuardrail({ quantile: 1 }), 'quantile'],
    ['memory of 0 bytes', aMemoryGuardrail({ thresholdBytes: 0 }), 'thresholdBytes'],
    ['an id that is not a key', anErrorRateGuardrail({ id: 'Error Rate' }), 'id'],
    ['fields of another kind', { ...anExceptionsGuardrail(), windowMs: 60_000 }, '(root)'],
    ['a query without {{variant}}', aPrometheusGuardrail({ query: 'sum(up)' }), 'query'],
    [
      'an unknown template variable',
      aPrometheusGuardrail({ query: 'x{v="{{variant}}",n="{{ns}}"}' }),
      'query',
    ],
    [
      'a query over 2,000 characters',
      aPrometheusGuardrail({ query: `x{v="{{variant}}"}${' '.repeat(2_000)}+1` }),
      'query',
    ],
    ['an empty query', aPrometheusGuardrail({ query: '  ' }), 'query'],
    [
      'a samples query without {{variant}}',
      aPrometheusGuardrail({ samplesQuery: 'sum(up)' }),
      'samplesQuery',
    ],
    ['minSamples without a samples query', aPrometheusGuardrail({ samplesQuery: undefined }), 'samplesQuery'],
    ['a samples query without minSamples', aPrometheusGuardrail({ minSamples: undefined }), 'minSamples'],
    ['a threshold that is not a number', aPrometheusGuardrail({ threshold: Number.NaN }), 'threshold'],
    ['an unknown direction', aPrometheusGuardrail({ breachWhen: 'sideways' as 'above' }), 'breachWhen'],
  ])('refuses %s', (_case, guardrail, field) => {
    expect(Object.keys(errorsOf(guardrail))).toEqual([field]);
  });

  it('breaches above the threshold unless told otherwise, and needs no sample size', () => {
    const { breachWhen: _b, samplesQuery: _s, minSamples: _m, ...guardrail } = aPrometheusGuardrail();
    expect(guardrailSchema.parse(guardrail)).toMatchObject({ breachWhen: 'above' });
    expect(guardrailSchema.parse(guardrail)).not.toHaveProperty('minSamples');
  });

  it('refuses an unknown kind', () => {
    expect(Object.keys(errorsOf({ id: 'cpu', kind: 'cpu' }))).toEqual(['kind']);
  });

  it('names the bounds a latency threshold may take', () => {
    expect(errorsOf(aLatencyGuardrail({ thresholdMs: 1_500 })).thresholdMs?.[0]).toContain('2000');
  });
});

describe('guardrailListSchema', () => {
  it('refuses two guardrails with one id', () => {
    const parsed = guardrailListSchema.safeParse([anExceptionsGuardrail('x'), anExceptionsGuardrail('x')]);
    expect(parsed.success || fieldErrorsOf(parsed.error)).toEqual({ '[1].id': ['"x" appears twice'] });
  });

  it('refuses a stage without guardrails, which would advance on time alone, and too many', () => {
    expect(guardrailListSchema.safeParse([]).success).toBe(false);
    const many = Array.from({ length: MAX_GUARDRAILS + 1 }, (_, index) => anExceptionsGuardrail(`e${index}`));
    expect(guardrailListSchema.safeParse(many).success).toBe(false);
    expect(guardrailListSchema.safeParse(many.slice(1)).success).toBe(true);
  });
});
