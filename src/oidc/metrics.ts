import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Metrics } from '../observability/metrics.js';

/**
 * Token issuance for the metrics, from oidc-provider's own events: token endpoint requests by
 * grant type and outcome (grant.success, grant.error), and each access token, refresh token,
 * client credentials token and authorization code as it is saved (opaque) or issued (JWT).
 */
const GRANT_TYPES = new Set([
  'authorization_code',
  'refresh_token',
  'client_credentials',
  'implicit',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:openid:params:grant-type:ciba',
]);

/** A label from a known list only: a client may send any grant_type it likes. */
const known = (grantType: unknown) =>
  typeof grantType === 'string' && GRANT_TYPES.has(grantType) ? grantType : 'other';

const requested = (ctx: KoaContextWithOIDC) => known(ctx.oidc?.params?.grant_type);

/** The grant that produced a token: gty ends with the latest ("authorization_code refresh_token"). */
const producedBy = (token: { gty?: string | undefined }, fallback: string) =>
  token.gty ? known(token.gty.split(' ').at(-1)) : fallback;

export function countTokens(provider: Provider, metrics: Metrics): void {
  provider.on('grant.success', (ctx) => metrics.grant(requested(ctx), 'success'));
  provider.on('grant.error', (ctx) => metrics.grant(requested(ctx), 'failure'));
  const access = (token: { gty?: string | undefined }) =>
    metrics.tokenIssued('access_token', producedBy(token, 'other'));
  provider.on('access_token.saved', access);
  provider.on('access_token.issued', access);
  const service = () => metrics.tokenIssued('client_credentials', 'client_credentials');
  provider.on('client_credentials.saved', service);
  provider.on('client_credentials.issued', service);
  provider.on('refresh_token.saved', (token) => metrics.tokenIssued('refresh_token', producedBy(token, 'other')));
  provider.on('authorization_code.saved', () => metrics.tokenIssued('authorization_code', 'authorization_code'));
}
