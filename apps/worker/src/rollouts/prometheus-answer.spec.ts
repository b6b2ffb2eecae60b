import { readInstantAnswer, sampleValue } from './prometheus-answer';

const vector = (...values: string[]) => ({
  status: 'success',
  data: {
    resultType: 'vector',
    result: values.map((value, index) => ({
      metric: { series: String(index) },
      value: [1_700_000_000, value],
    })),
  },
});

describe('readInstantAnswer', () => {
  it('reads the one sample of a vector', () => {
    expect(readInstantAnswer(200, vector('0.0125'))).toEqual({ kind: 'value', value: 0.0125 });
  });

  it('reads a scalar', () => {
    const scalar = { status: 'success', data: { resultType: 'scalar', result: [1_700_000_000, '42'] } };
    expect(readInstantAnswer(200, scalar)).toEqual({ kind: 'value', value: 42 });
  });

  it('takes an empty vector as no data, not as an error', () => {
    expect(readInstantAnswer(200, vector())).toEqual({ kind: 'no_data' });
  });

  it('refuses several series: the query must aggregate to one figure per variant', () => {
    expect(readInstantAnswer(200, vector('0.1', '0.2'))).toMatchObject({
      kind: 'error',
      reason: 'several_series',
      message: expect.stringContaining('query must return one series, it returned 2') as unknown,
    });
  });

  it('passes on why Prometheus refused the query', () => {
    const refused = { status: 'error', errorType: 'bad_data', error: 'parse error: unexpected "}"' };
    expect(readInstantAnswer(400, refused)).toEqual({
      kind: 'error',
      reason: 'refused',
      message: 'Prometheus refused the query: parse error: unexpected "}"',
    });
  });

  it.each([
    ['a matrix', 200, { status: 'success', data: { resultType: 'matrix', result: [] } }, 'unexpected_result'],
    ['a body that is not JSON, with an error status', 502, undefined, 'refused'],
    ['a body that is not JSON', 200, undefined, 'unexpected_result'],
    ['a sample that is not a number', 200, vector('many'), 'unexpected_result'],
    ['no data field', 200, { status: 'success' }, 'unexpected_result'],
  ])('is an error for %s', (_case, status, body, reason) => {
    expect(readInstantAnswer(status, body)).toMatchObject({ kind: 'error', reason });
  });

  it('bounds the message it carries into the evidence', () => {
    const refused = { status: 'error', error: 'x'.repeat(10_000) };
    const answer = readInstantAnswer(400, refused);
    expect(answer.kind === 'error' && answer.message.length).toBe(300);
  });
});

describe('sampleValue', () => {
  it("reads Go's spellings of the special values", () => {
    expect(sampleValue('+Inf')).toBe(Number.POSITIVE_INFINITY);
    expect(sampleValue('-Inf')).toBe(Number.NEGATIVE_INFINITY);
    expect(sampleValue('NaN')).toBeNaN();
    expect(sampleValue('1e3')).toBe(1_000);
    expect(sampleValue('')).toBeNull();
    expect(sampleValue(3)).toBeNull();
  });
});
