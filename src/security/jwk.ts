/**
 * Whether the provider may sign with a key of its JWKS: key_ops, when present, must include "sign"
 * (oidc-provider's KeyStore.selectForSign). A key with key_ops ["verify"] is published for
 * verification only, as during a rotation (rotation.ts).
 */
export function maySign(jwk: Record<string, unknown>): boolean {
  return !Array.isArray(jwk.key_ops) || jwk.key_ops.includes('sign');
}
