import type { ApiConfig } from '@rampart/config';
import { DomainError } from '@rampart/http';
import { EventStreamTokens } from './event-stream-tokens';

const tokens = new EventStreamTokens({
  jwt: { secret: 'unit-test-jwt-secret-of-at-least-32-bytes' },
} as ApiConfig);
const other = new EventStreamTokens({
  jwt: { secret: 'another-jwt-secret-of-at-least-32-bytes!' },
} as ApiConfig);

function refusal(token: string | undefined, now?: number): string | undefined {
  try {
    tokens.verify(token, now);
    return undefined;
  } catch (error) {
    return error instanceof DomainError ? error.code : 'not a DomainError';
  }
}

describe('EventStreamTokens', () => {
  it('names the SDK key it was issued for, until it expires', () => {
    const issued = tokens.issue('key-1', 0);
    expect(tokens.verify(issued, 1_000)).toBe('key-1');
    expect(refusal(issued, 24 * 60 * 60 * 1_000)).toBe('stream_token_invalid');
  });

  it("hands a key's token out again for a minute, then signs a new one; never another key's", () => {
    const fresh = new EventStreamTokens({
      jwt: { secret: 'unit-test-jwt-secret-of-at-least-32-bytes' },
    } as ApiConfig);
    const start = 1_000_000_000_000;
    const first = fresh.issue('key-1', start);
    expect(fresh.issue('key-1', start + 59_000)).toBe(first);
    expect(fresh.issue('key-2', start)).not.toBe(first);
    const next = fresh.issue('key-1', start + 60_000);
    expect(next).not.toBe(first);
    // The reused token still opens the stream for at least a day less that minute.
    expect(fresh.verify(first, start + 59_000 + (24 * 60 * 60 - 60) * 1_000)).toBe('key-1');
    // A clock that went back gets a token of its own time, not one that would outlive the lifetime.
    expect(fresh.issue('key-1', start - 10_000)).not.toBe(next);
  });

  it('refuses forged, altered, foreign and malformed tokens', () => {
    const issued = tokens.issue('key-1');
    const [payload, signature] = issued.split('.');
    const altered = `${Buffer.from(JSON.stringify({ k: 'key-2', e: 9_999_999_999 })).toString('base64url')}.${signature}`;
    for (const token of [
      altered,
      // One character of the signature changed (to a different one: a fixed `x` left 1 in 64 tokens as they were).
      `${payload}.${signature?.startsWith('x') ? 'y' : 'x'}${signature?.slice(1)}`,
      other.issue('key-1'),
      `${issued}.extra`,
      'a.b',
      '',
      undefined,
    ]) {
      expect(refusal(token)).toBe('stream_token_invalid');
    }
  });
});
