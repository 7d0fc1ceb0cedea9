import type { Connection } from 'mongoose';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Clock } from '../clock.js';
import type { Config, Secrets } from '../config.js';
import type { Logger } from '../log.js';
import type { MembersLibrary } from '../members/library.js';
import { hashClientSecret, installHashedSecretComparison } from '../clients/library.js';
import type { Hmac } from '../security/hmac.js';
import { createFindAccount } from './account.js';
import { ACR_VALUES } from './acr.js';
import { createAdapterFactory } from './adapter.js';
import { CLIENT_METADATA_PROPERTIES, validateExtraClientMetadata, isFirstParty } from './client-metadata.js';
import { logoutSource, postLogoutSuccessSource, renderError } from './pages.js';
import { interactionPolicy } from './policy.js';

export interface ProviderDeps {
  config: Config;
  secrets: Secrets;
  connection: Connection;
  clock: Clock;
  logger: Logger;
  members: MembersLibrary;
  hmac: Hmac;
}

export const SCOPES = ['openid', 'offline_access', 'profile', 'email', 'phone', 'membership'];

/**
 * First-party apps (the airline's own sites and apps, flagged by an admin) never show the consent
 * page: the member is already their customer. The grant is made here with what they asked for.
 */
async function loadExistingGrant(ctx: KoaContextWithOIDC) {
  const { oidc } = ctx;
  const client = oidc.client!;
  const grantId = (oidc.result?.consent as { grantId?: string } | undefined)?.grantId ?? oidc.session!.grantIdFor(client.clientId);
  const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  if (!isFirstParty(client)) return existing;
  const grant = existing ?? new oidc.provider.Grant({ clientId: client.clientId, accountId: oidc.session!.accountId! });
  grant.addOIDCScope(oidc.requestParamOIDCScopes ? [...oidc.requestParamOIDCScopes].join(' ') : 'openid');
  if (oidc.claims?.id_token) grant.addOIDCClaims(Object.keys(oidc.claims.id_token));
  if (oidc.claims?.userinfo) grant.addOIDCClaims(Object.keys(oidc.claims.userinfo));
  for (const [indicator, server] of Object.entries(oidc.resourceServers ?? {})) {
    grant.addResourceScope(indicator, (server as { scope?: string }).scope ?? '');
  }
  await grant.save();
  return grant;
}

export function createProvider(deps: ProviderDeps): Provider {
  const { config, secrets, connection, clock, members, hmac } = deps;
  const ttl = config.ttl;
  const configuration: Configuration = {
    // Client secrets are stored as keyed hashes, whoever registers the client.
    adapter: createAdapterFactory(connection, clock, (name, payload) => (name === 'Client' ? hashClientSecret(payload, hmac) : payload)),
    findAccount: createFindAccount(members),
    jwks: secrets.jwks as unknown as Configuration['jwks'],
    cookies: {
      keys: secrets.cookieKeys,
      names: { session: 'jmb_session', interaction: 'jmb_interaction', resume: 'jmb_interaction_resume' },
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    claims: {
      // acr, amr and auth_time in every ID token, requested or not (DESIGN §4).
      openid: ['sub', 'acr', 'amr', 'auth_time'],
      profile: ['name', 'family_name', 'given_name', 'locale'],
      email: ['email', 'email_verified'],
      phone: ['phone_number', 'phone_number_verified'],
      membership: ['membership_number'],
    },
    scopes: SCOPES,
    acrValues: ACR_VALUES,
    responseTypes: ['code'],
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      id_token_signed_response_alg: 'RS256',
      token_endpoint_auth_method: 'client_secret_basic',
    },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    enabledJWA: {
      idTokenSigningAlgValues: ['RS256', 'ES256'],
      userinfoSigningAlgValues: ['RS256', 'ES256'],
      introspectionSigningAlgValues: ['RS256', 'ES256'],
      clientAuthSigningAlgValues: ['RS256', 'PS256', 'ES256', 'EdDSA'],
      requestObjectSigningAlgValues: ['RS256', 'PS256', 'ES256', 'EdDSA'],
    },
    extraClientMetadata: { properties: CLIENT_METADATA_PROPERTIES, validator: validateExtraClientMetadata },
    discovery: {
      ui_locales_supported: ['ja', 'en'],
      claims_locales_supported: ['ja', 'en'],
      service_documentation: `${config.issuer}/`,
    },
    features: {
      devInteractions: { enabled: false },
      // A client may only revoke its own tokens (RFC 7009 2.1).
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      introspection: {
        enabled: true,
        // A client may only introspect tokens issued to itself.
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      claimsParameter: { enabled: true },
    },
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
      policy: interactionPolicy(),
    },
    loadExistingGrant,
    // OIDC Core 11 drops offline_access unless the request carries prompt=consent. The airline's own
    // apps never show consent, so they get refresh tokens whenever they are allowed the grant.
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && (code.scopes.has('offline_access') || isFirstParty(client)),
    renderError,
    ttl: {
      AccessToken: ttl.accessTokenSeconds,
      AuthorizationCode: ttl.authorizationCodeSeconds,
      IdToken: ttl.idTokenSeconds,
      Interaction: ttl.interactionSeconds,
      Session: ttl.sessionSeconds,
      Grant: ttl.grantSeconds,
      RefreshToken: (ctx, token, client) => {
        // A rotated public-client token keeps the lifetime of the chain it belongs to.
        const rotated = ctx?.oidc?.entities.RotatedRefreshToken;
        if (rotated && client.clientAuthMethod === 'none') return rotated.remainingTTL;
        return ttl.refreshTokenSeconds;
      },
    },
  };

  const provider = new Provider(config.issuer, configuration);
  provider.proxy = config.trustProxy;
  installHashedSecretComparison(provider, hmac);
  return provider;
}
