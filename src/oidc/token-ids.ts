/**
 * The length of each kind of opaque token's id: a different one per kind, so that a lookup for
 * one kind can tell at once that a presented value is of another. Introspection and revocation
 * without a `token_type_hint` look a value up as an access token, a client-credentials token and
 * a refresh token at once (oidc-provider's findToken); with these lengths only the right one goes
 * to the database. Each is at least the 256 bits oidc-provider gives every kind by default.
 *
 * Tokens issued before (43 characters, 256 bits, whatever their kind) are still looked up
 * everywhere, so no refresh token outstanding at an upgrade is lost.
 */
const LEGACY_LENGTH = 43;
const LENGTHS: Readonly<Record<string, number>> = {
  AccessToken: 44,
  ClientCredentials: 45,
  RefreshToken: 46,
  AuthorizationCode: 47,
  DeviceCode: 48,
  BackchannelAuthenticationRequest: 49,
};
const BASE64URL_BITS = 6;

/** oidc-provider's `formats.bitsOfOpaqueRandomness`: ids of exactly the length above. */
export function bitsOfOpaqueRandomness(_ctx: unknown, token: { kind: string }): number {
  return (LENGTHS[token.kind] ?? LEGACY_LENGTH) * BASE64URL_BITS;
}

/** False when `id` cannot be the id of a token of this kind (its length is another kind's). */
export function mayBeIdOf(kind: string, id: string): boolean {
  const own = LENGTHS[kind];
  return own === undefined || id.length === own || id.length === LEGACY_LENGTH;
}
