import { createHmac, randomUUID, type webcrypto } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { errors, jwtVerify } from 'jose';
import { LRUCache } from 'lru-cache';
import { ApiConfig } from '@rampart/config';
import { ROLES, type Role } from '@rampart/db';
import { DomainError } from '@rampart/http';
import { JwtKeyring } from './jwt-keys';
import type { AccessClaims } from './principal';

/**
 * The one algorithm, pinned on both sides: HS256 with the 32+ byte JWT_SECRET (or a retired one, by
 * key id: jwt-keys.ts). Verification accepts nothing else, so `alg: none`, RS/ES tokens and
 * algorithm-confusion tricks all fail.
 */
const ALGORITHM = 'HS256';
/** Allowed clock difference between issuer and verifier when checking `exp`/`iat`, in seconds. */
const CLOCK_TOLERANCE_S = 30;
/**
 * Tokens this process verified, kept until they would no longer verify: at 15-minute tokens, the
 * active sessions of a busy process fit, at about 1 KiB each (the token and its claims).
 */
const VERIFIED_TOKENS_MAX = 10_000;

export interface IssuedAccessToken {
  token: string;
  jti: string;
  expiresAt: Date;
  expiresIn: number;
}

function invalid(): DomainError {
  return new DomainError('invalid_token', 401, 'The access token is invalid.');
}

function isClaims(value: unknown): value is AccessClaims {
  const claims = value as Partial<AccessClaims> | null;
  return (
    typeof claims === 'object' &&
    claims !== null &&
    typeof claims.sub === 'string' &&
    typeof claims.sid === 'string' &&
    typeof claims.jti === 'string' &&
    typeof claims.ver === 'number' &&
    typeof claims.exp === 'number' &&
    typeof claims.iat === 'number' &&
    typeof claims.role === 'string' &&
    ROLES.includes(claims.role) &&
    Array.isArray(claims.amr) &&
    claims.amr.every((method) => typeof method === 'string')
  );
}

/**
 * Signs access tokens with node:crypto's HMAC and verifies them with jose. Signing is the one part
 * written here: jose signs through WebCrypto, a thread-pool job per token, and on a sign-in that pool
 * is busy with the argon2id hashes, so the job queued behind them; an HS256 signature is one HMAC over
 * the two base64url parts, and every token signed here is checked by jose's verification in the tests.
 * Verification, where an attacker chooses the input, stays jose's. (@nestjs/jwt 12 cannot be loaded by Node itself:
 * its ESM build re-exports names from the CommonJS jsonwebtoken that Node cannot detect, so the
 * built API crashed at start while the tests, which transform modules, passed.)
 */
@Injectable()
export class AccessTokens {
  private readonly keys: JwtKeyring;
  /**
   * Every request of a session presents the same token, and checking its signature (WebCrypto,
   * a thread-pool job per call) was a fifth of an authenticated request's CPU. A token that
   * verified is remembered, by its exact text, until the earlier of `exp` and `iat` + lifetime
   * (plus the skew) by the wall clock, as jose judges it: past that it goes through jose as the
   * first time did, and gets its token_expired. (Not lru-cache's own TTL: that runs on a monotonic
   * clock, which parts from the wall clock `exp` is written in when the system time is set.) A
   * forged or altered token is never in here (only successes are), and the keys are fixed for the
   * process's life. Revocation is not this cache's concern: TokenState checks it on every request.
   */
  private readonly verified = new LRUCache<string, { claims: AccessClaims; validUntilMs: number }>({
    max: VERIFIED_TOKENS_MAX,
  });

  /** The signing key's protected header, base64url-encoded: the same on every token. */
  private readonly signingHeader: string;

  constructor(private readonly config: ApiConfig) {
    this.keys = new JwtKeyring(config.jwt.secret, config.jwt.previousSecrets);
    this.signingHeader = Buffer.from(
      JSON.stringify({ alg: ALGORITHM, typ: 'JWT', kid: this.keys.signing.kid }),
    ).toString('base64url');
  }

  sign(input: {
    userId: string;
    sessionId: string;
    role: Role;
    amr: string[];
    tokenVersion: number;
  }): IssuedAccessToken {
    const { issuer, audience, accessTokenTtlSeconds } = this.config.jwt;
    const jti = randomUUID();
    const issuedAt = Math.floor(Date.now() / 1_000);
    // The claims in the order jose's SignJWT wrote them.
    const claims = {
      sid: input.sessionId,
      role: input.role,
      amr: input.amr,
      ver: input.tokenVersion,
      iss: issuer,
      aud: audience,
      sub: input.userId,
      jti,
      iat: issuedAt,
      exp: issuedAt + accessTokenTtlSeconds,
    };
    const signingInput = `${this.signingHeader}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const token = `${signingInput}.${createHmac('sha256', this.keys.signing.key).update(signingInput).digest('base64url')}`;
    return {
      token,
      jti,
      expiresIn: accessTokenTtlSeconds,
      expiresAt: new Date((issuedAt + accessTokenTtlSeconds) * 1_000),
    };
  }

  /**
   * Checks signature (with the key its `kid` names), algorithm, `iss`, `aud`, `exp` and `iat` (30 s
   * skew: not issued in the future, not older than the configured lifetime), that the token claims
   * no longer a lifetime than Rampart issues, and the claims' shape. Not the revocation state.
   */
  async verify(token: string): Promise<AccessClaims> {
    const known = this.verified.get(token);
    if (known && Date.now() < known.validUntilMs) return known.claims;
    const { issuer, audience, accessTokenTtlSeconds } = this.config.jwt;
    let payload: unknown;
    try {
      // An unknown kid throws here and ends as the same invalid_token as a bad signature: no answer
      // tells a caller which key ids exist.
      ({ payload } = await jwtVerify(token, ({ kid }) => this.keyFor(kid), {
        algorithms: [ALGORITHM],
        issuer,
        audience,
        clockTolerance: CLOCK_TOLERANCE_S,
        maxTokenAge: accessTokenTtlSeconds,
        requiredClaims: ['sub', 'jti', 'iat', 'exp'],
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) {
        throw new DomainError('token_expired', 401, 'The access token has expired; refresh it.');
      }
      throw invalid();
    }
    // Only the signing key can mint a longer-lived token; still, Rampart never issues one.
    if (!isClaims(payload) || payload.exp - payload.iat > accessTokenTtlSeconds) throw invalid();
    const claims = Object.freeze({ ...payload, amr: Object.freeze([...payload.amr]) }) as AccessClaims;
    const validUntilS = Math.min(payload.exp, payload.iat + accessTokenTtlSeconds) + CLOCK_TOLERANCE_S;
    this.verified.set(token, { claims, validUntilMs: validUntilS * 1_000 });
    return claims;
  }

  private keyFor(kid: unknown): Promise<webcrypto.CryptoKey> {
    const verifying = this.keys.verifying(kid);
    if (!verifying) throw invalid();
    return verifying.cryptoKey;
  }
}
