import { createHmac } from 'node:crypto';

function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/**
 * Hand-made JWTs for attack tests: any header (alg `none`, HS512, ...), any claims, any key, so
 * the tests can forge exactly the token an attacker would.
 */
export function forgeJwt(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  key: string | null,
  algorithm: 'sha256' | 'sha512' = 'sha256',
): string {
  const signingInput = `${b64url(header)}.${b64url(claims)}`;
  const signature = key === null ? '' : createHmac(algorithm, key).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}

export function decodeJwt(token: string): {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
} {
  const [header = '', claims = ''] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>,
    claims: JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Record<string, unknown>,
  };
}
