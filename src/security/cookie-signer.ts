import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';

/**
 * Signs and checks cookies for Koa and oidc-provider (both read `app.keys` through the `cookies`
 * package), with COOKIE_KEYS: the first key signs, every key is accepted (rotation).
 *
 * The signature is the one `keygrip` makes (HMAC-SHA1, base64url without padding), so cookies
 * signed before stay valid. What differs is the cost: keygrip is rebuilt for every request, takes
 * its keys as strings that node:crypto checks anew on every use, and compares through `tsscmp`,
 * which hashes both sides again with a random key; a sign-in checks a dozen signatures. Here the
 * keys are prepared once and the signatures compared with `timingSafeEqual` (their length is
 * fixed, so comparing lengths first tells nothing).
 */
export interface CookieSigner {
  sign(data: string): string;
  verify(data: string, digest: string): boolean;
  /** Which key made `digest` (0 for the current one), or -1: `cookies` re-signs with key 0 when > 0. */
  index(data: string, digest: string): number;
}

export function createCookieSigner(keys: readonly string[]): CookieSigner {
  if (keys.length === 0) throw new Error('at least one cookie key is needed');
  const prepared: KeyObject[] = keys.map((key) => createSecretKey(Buffer.from(key, 'utf8')));
  const mac = (data: string, key: KeyObject) => createHmac('sha1', key).update(data).digest();
  const index = (data: string, digest: string): number => {
    if (typeof data !== 'string' || typeof digest !== 'string') return -1;
    const given = Buffer.from(digest, 'base64url');
    // base64url decoding skips what is not base64url: the text must also be exactly the encoding.
    if (given.length !== 20 || given.toString('base64url') !== digest) return -1;
    return prepared.findIndex((key) => timingSafeEqual(given, mac(data, key)));
  };
  return {
    sign: (data) => mac(data, prepared[0] as KeyObject).toString('base64url'),
    verify: (data, digest) => index(data, digest) !== -1,
    index,
  };
}
