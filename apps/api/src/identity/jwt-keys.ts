// The access-token signing keys of one API process: the current one signs, the current and the retired
// ones (JWT_PREVIOUS_SECRETS) verify, each chosen by the `kid` header the signer wrote. This is what lets
// JWT_SECRET rotate without signing anyone out: tokens signed before the restart name their old key and
// keep verifying until it is dropped from the list.
import { createHash, webcrypto } from 'node:crypto';

/** An HS256 key and its id. */
export interface JwtKey {
  kid: string;
  key: Uint8Array;
  /**
   * The same key imported once for WebCrypto, for verification only (tokens are signed with `key`
   * by node:crypto's HMAC, access-tokens.ts). jose takes raw bytes too, but imports them again on
   * every verify (an importKey per request: several % of an authenticated request's CPU); a
   * CryptoKey it uses as it is.
   */
  cryptoKey: Promise<webcrypto.CryptoKey>;
}

function hs256Key(secret: string, kid: string): JwtKey {
  const key = new TextEncoder().encode(secret);
  const cryptoKey = webcrypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'verify',
  ]);
  // Awaited wherever the key is used; an import that failed fails those (never unhandled here).
  cryptoKey.catch(() => undefined);
  return { kid, key, cryptoKey };
}

// Domain separation: the id is a hash of the secret under this label, so it equals no other digest of
// the secret Rampart might publish. 64 bits are plenty to tell a handful of keys apart, and a hash of a
// 32+ byte random secret says nothing about the secret (the token's HMAC already is a function of it).
const KID_LABEL = 'rampart:jwt-key-id:v1\0';
const KID_HEX_CHARS = 16;

/**
 * The key id of a signing secret: the first 16 hex digits of SHA-256 over a label and the secret.
 * Derived, never configured, so an operator cannot pair a key with the wrong id; never the secret.
 */
export function jwtKeyId(secret: string): string {
  return createHash('sha256').update(KID_LABEL).update(secret, 'utf8').digest('hex').slice(0, KID_HEX_CHARS);
}

export class JwtKeyring {
  readonly signing: JwtKey;
  private readonly byKid: ReadonlyMap<string, JwtKey>;

  constructor(current: string, previous: readonly string[]) {
    this.signing = hs256Key(current, jwtKeyId(current));
    const keys = [this.signing, ...previous.map((secret) => hs256Key(secret, jwtKeyId(secret)))];
    // The current key first: should two secrets ever share an id, the one that signs wins.
    const byKid = new Map<string, JwtKey>();
    for (const key of keys) if (!byKid.has(key.kid)) byKid.set(key.kid, key);
    this.byKid = byKid;
  }

  /**
   * The key that verifies a token whose protected header names `kid`; undefined (refuse, as any
   * invalid token) for an id of no configured key and for any id that is not a string.
   *
   * A token without `kid` was signed before key ids existed, by this deployment's JWT_SECRET: it is
   * verified with the current key only, never a retired one. Such a token is at most
   * ACCESS_TOKEN_TTL_SECONDS old, so this only matters for the one deploy that introduced key ids;
   * a rotation done in that same deploy refuses them, and their clients refresh.
   */
  verifying(kid: unknown): JwtKey | undefined {
    if (kid === undefined) return this.signing;
    return typeof kid === 'string' ? this.byKid.get(kid) : undefined;
  }
}
