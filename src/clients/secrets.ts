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

/** Teaches oidc-provider to compare a presented secret with the stored hash, in constant time. */
export function installHashedSecretComparison(provider: Provider, hmac: Hmac): void {
  const proto = provider.Client.prototype as unknown as {
    compareClientSecret(this: { clientSecret?: string }, actual: string): boolean;
  };
  const original = proto.compareClientSecret;
  proto.compareClientSecret = function compareClientSecret(actual) {
    const stored = this.clientSecret ?? '';
    if (!stored.startsWith(HASHED_SECRET_PREFIX)) return original.call(this, actual);
    return hmac.matches('client-secret', actual, stored.slice(HASHED_SECRET_PREFIX.length));
  };
}
