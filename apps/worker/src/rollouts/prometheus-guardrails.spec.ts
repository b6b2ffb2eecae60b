import { prometheusEndpoint } from './prometheus-guardrails';

describe('prometheusEndpoint', () => {
  it('queries under the base URL, path prefix included', () => {
    expect(prometheusEndpoint('http://prometheus:9090').queryUrl).toBe('http://prometheus:9090/api/v1/query');
    expect(prometheusEndpoint('https://example.com/prometheus/').queryUrl).toBe(
      'https://example.com/prometheus/api/v1/query',
    );
  });

  it('sends credentials in the URL as basic auth, and never in the URL fetched', () => {
    const endpoint = prometheusEndpoint('https://rampart:s%40cret@example.com/prometheus');
    expect(endpoint.queryUrl).toBe('https://example.com/prometheus/api/v1/query');
    expect(endpoint.headers.authorization).toBe(`Basic ${Buffer.from('rampart:s@cret').toString('base64')}`);
    expect(prometheusEndpoint('http://prometheus:9090').headers).not.toHaveProperty('authorization');
  });
});
