import { createHmac, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { ApiConfig } from '@rampart/config';
import { DomainError } from '@rampart/http';

/** How long a change-stream URL opens the stream; every bulk evaluation hands out a current one (REUSE_S). */
const LIFETIME_S = 24 * 60 * 60;
/**
 * A key's token is handed out again for this long before a new one is signed: a bulk evaluation
 * then costs no HMAC (signing was a sixth of its CPU), and a URL opens the stream for at least
 * LIFETIME_S minus this.
 */
const REUSE_S = 60;
/** SDK keys whose current token is kept; more active keys than this only sign more often. */
const ISSUED_MAX = 10_000;

interface StreamClaims {
  /** The SDK key the stream is for. */
  k: string;
  /** Expiry, Unix seconds. */
  e: number;
}

/**
 * The token in an OFREP change-stream URL. A browser's EventSource cannot send an Authorization
 * header, so the bulk evaluation hands out a URL that carries its own credential: the SDK key's id
 * and an expiry, signed with an HMAC under a key of its own purpose derived from JWT_SECRET. It
 * names the key without containing it, so a URL that ends up in a proxy log leaks no SDK key, and it
 * stops working when the key is revoked (the stream checks).
 */
@Injectable()
export class EventStreamTokens {
  private readonly key: Buffer;
  private readonly issued = new LRUCache<string, { token: string; expiresS: number }>({ max: ISSUED_MAX });

  constructor(config: ApiConfig) {
    this.key = createHmac('sha256', config.jwt.secret).update('rampart:ofrep-event-stream').digest();
  }

  issue(keyId: string, now = Date.now()): string {
    const nowS = Math.floor(now / 1_000);
    const current = this.issued.get(keyId);
    if (current && current.expiresS - nowS > LIFETIME_S - REUSE_S && current.expiresS - nowS <= LIFETIME_S) {
      return current.token;
    }
    const claims: StreamClaims = { k: keyId, e: nowS + LIFETIME_S };
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const token = `${payload}.${this.sign(payload)}`;
    this.issued.set(keyId, { token, expiresS: claims.e });
    return token;
  }

  /** The SDK key id a valid, unexpired token names; 401 otherwise. */
  verify(token: string | undefined, now = Date.now()): string {
    const refused = new DomainError(
      'stream_token_invalid',
      401,
      'The change-stream URL is invalid or expired; evaluate again for a new one.',
    );
    const [payload, signature, ...rest] = (token ?? '').split('.');
    if (!payload || !signature || rest.length) throw refused;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw refused;
    let claims: Partial<StreamClaims>;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<StreamClaims>;
    } catch {
      throw refused;
    }
    if (typeof claims.k !== 'string' || typeof claims.e !== 'number' || claims.e * 1_000 <= now)
      throw refused;
    return claims.k;
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
