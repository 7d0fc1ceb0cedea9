import { hash, timingSafeEqual } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { Hmac } from '../security/hmac.js';

/**
 * Client secrets are never kept in readable form: the stored client_secret is a keyed hash,
 * marked by a prefix, and oidc-provider is taught to compare presented secrets with it.
 */
export const HASHED_SECRET_PREFIX = 'hmac-sha256:';

/** Replaces a plaintext client_secret by its keyed hash before the record is stored. */
export function hashClientSecret<T extends Record<string, unknown>>(metadata: T, hmac: Hmac): T {
  const secret = metadata.client_secret;
  if (typeof secret !== 'string' || secret.startsWith(HASHED_SECRET_PREFIX)) return metadata;
  return { ...metadata, client_secret: HASHED_SECRET_PREFIX + hmac.digest('client-secret', secret) };
}

/** How many clients' last verified secrets an instance keeps (any more and it starts over). */
const VERIFIED_KEPT = 1_000;

/**
 * Teaches oidc-provider to compare a presented secret with the stored hash, in constant time.
 * A secret that matched is remembered, as its plain SHA-256 (our secrets are 32 random bytes: a
 * digest of one gives nothing back), by the stored hash it matched: the same secret presented
 * again, as an app does on every token request, is then checked with one SHA-256 instead of
 * an HMAC. A secret rotated or deleted has another stored hash, or none, so it is never matched
 * from memory.
 */
export function installHashedSecretComparison(provider: Provider, hmac: Hmac): void {
  const proto = provider.Client.prototype as unknown as {
    compareClientSecret(this: { clientSecret?: string }, actual: string): boolean;
  };
  const original = proto.compareClientSecret;
  const verified = new Map<string, Buffer>();
  proto.compareClientSecret = function compareClientSecret(actual) {
    const stored = this.clientSecret ?? '';
    if (!stored.startsWith(HASHED_SECRET_PREFIX)) return original.call(this, actual);
    const presented = hash('sha256', actual, 'buffer');
    const known = verified.get(stored);
    if (known && timingSafeEqual(known, presented)) return true;
    if (!hmac.matches('client-secret', actual, stored.slice(HASHED_SECRET_PREFIX.length))) return false;
    if (verified.size >= VERIFIED_KEPT) verified.clear();
    verified.set(stored, presented);
    return true;
  };
}
