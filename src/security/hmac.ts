import { createHash, createHmac, createSecretKey, hkdfSync, type KeyObject, timingSafeEqual } from 'node:crypto';

/**
 * Keyed hashing for everything we must recognise but never store in clear: one-time codes,
 * rate-limit subjects (IP addresses, membership numbers) and client secrets. Each use gets its
 * own key, derived from HMAC_SECRET with HKDF (RFC 5869) and a label, so a value from one use
 * means nothing in another.
 */
export type HmacPurpose =
  | 'rate-limit'
  | 'otp'
  | 'recovery-link'
  | 'device'
  | 'client-secret'
  | 'internal-client'
  | 'admin-enrolment'
  | 'known-browser'
  | 'session-handle';

export interface Hmac {
  digest(purpose: HmacPurpose, value: string): string;
  /** Constant-time check of a value against a digest made by `digest`. */
  matches(purpose: HmacPurpose, value: string, digest: string): boolean;
}

export function createHmacs(secret: string): Hmac {
  // Prepared once as key objects: node:crypto checks a Buffer key's kind anew on every use, at a
  // cost that shows on the token endpoint (every client_secret_basic request hashes the secret).
  const keys = new Map<HmacPurpose, KeyObject>();
  const key = (purpose: HmacPurpose): KeyObject => {
    let k = keys.get(purpose);
    if (!k) {
      k = createSecretKey(Buffer.from(hkdfSync('sha256', secret, 'jmb-idp', purpose, 32)));
      keys.set(purpose, k);
    }
    return k;
  };
  const digest = (purpose: HmacPurpose, value: string): string =>
    createHmac('sha256', key(purpose)).update(value).digest('base64url');
  return {
    digest,
    matches(purpose, value, expected) {
      const a = Buffer.from(digest(purpose, value));
      const b = Buffer.from(expected);
      return a.length === b.length && timingSafeEqual(a, b);
    },
  };
}

/** Constant-time equality of two secrets (bearer tokens, keys), whatever their lengths. */
export function sameSecret(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}
