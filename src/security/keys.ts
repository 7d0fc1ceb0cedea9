import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Jwks, Secrets } from '../config.js';

/**
 * Fresh secrets for a deployment: an RS256 signing key (required by OpenID Connect), an ES256
 * key (smaller and faster, offered to clients that ask for it), cookie keys and the HMAC secret.
 * Keys carry a date-based kid, so that during a rotation (rotation.ts) the JWKS shows which key is
 * the newer one.
 */
/** The provider signs with these (src/oidc/provider.ts, enabledJWA). */
export const SIGNING_ALGS = ['RS256', 'ES256'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

export function generateSigningKey(alg: SigningAlg, now: Date = new Date()): Record<string, unknown> {
  const stamp = now.toISOString().slice(0, 10).replaceAll('-', '');
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = pair.privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: `${alg.toLowerCase()}-${stamp}-${randomBytes(3).toString('hex')}`, alg, use: 'sig' };
}

export function generateJwks(now: Date = new Date()): Jwks {
  return { keys: [generateSigningKey('RS256', now), generateSigningKey('ES256', now)] };
}

export function generateSecrets(): Secrets {
  return {
    jwks: generateJwks(),
    cookieKeys: [randomBytes(32).toString('base64url')],
    hmacSecret: randomBytes(32).toString('base64url'),
  };
}

/** The secrets as environment variable lines (for a .env file or a secret store). */
export function secretsAsEnv(secrets: Secrets): string {
  return [
    `JWKS='${JSON.stringify(secrets.jwks)}'`,
    `COOKIE_KEYS=${secrets.cookieKeys.join(',')}`,
    `HMAC_SECRET=${secrets.hmacSecret}`,
  ].join('\n');
}
