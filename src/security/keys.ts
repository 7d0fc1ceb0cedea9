import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Jwks, Secrets } from '../config.js';

/**
 * Fresh secrets for a deployment: an RS256 signing key (required by OpenID Connect), an ES256
 * key (smaller and faster, offered to clients that ask for it), cookie keys and the HMAC secret.
 * Keys carry a date-based kid so a rotation can publish the next key before using it.
 */
export function generateJwks(now: Date = new Date()): Jwks {
  const stamp = now.toISOString().slice(0, 10).replaceAll('-', '');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  return {
    keys: [
      { ...rsa, kid: `rs256-${stamp}-${randomBytes(3).toString('hex')}`, alg: 'RS256', use: 'sig' },
      { ...ec, kid: `es256-${stamp}-${randomBytes(3).toString('hex')}`, alg: 'ES256', use: 'sig' },
    ],
  };
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
