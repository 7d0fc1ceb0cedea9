import type { Connection } from 'mongoose';
import Provider, { type Configuration, errors, type KoaContextWithOIDC } from 'oidc-provider';
import { type AdminLibrary, isAdminAccount } from '../admins/library.js';
import { ACR_VALUES } from '../assurance/acr.js';
import { ADMIN_SCOPES, isAdminConsole, MEMBER_SCOPE_CLAIMS, MEMBER_SCOPES } from '../clients/kinds.js';
import { hashClientSecret, installHashedSecretComparison } from '../clients/secrets.js';
import type { Clock } from '../clock.js';
import type { Config, Secrets } from '../config.js';
import type { SharedCache } from '../db/shared-cache.js';
import type { Logger } from '../log.js';
import type { MembersLibrary } from '../members/library.js';
import type { CookieSigner } from '../security/cookie-signer.js';
import type { Hmac } from '../security/hmac.js';
import { createFindAccount } from './account.js';
import { createAdapterFactory } from './adapter.js';
import {
  accessTokenTtlOf,
  adminRoleOf,
  CLIENT_METADATA_PROPERTIES,
  isFirstParty,
  refreshTokenTtlOf,
  validateExtraClientMetadata,
} from './client-metadata.js';
import { outgoingFetch } from './outgoing.js';
import { interactionPolicy } from './policy.js';
import { clientIdFactory, REGISTRATION_POLICY, registrationPolicy } from './registration.js';
import type { SignIns } from './sign-ins.js';
import { bitsOfOpaqueRandomness } from './token-ids.js';

export interface ProviderDeps {
  config: Config;
  secrets: Secrets;
  /** COOKIE_KEYS, prepared (the app signs with the same). */
  cookieSigner: CookieSigner;
  connection: Connection;
  clock: Clock;
  logger: Logger;
  members: MembersLibrary;
  admins: AdminLibrary;
  hmac: Hmac;
  clientCache: SharedCache;
  /** What the security centre keeps of each session, saved with it. */
  signIns: SignIns;
  /** The provider's own pages (errors it cannot redirect, logout), rendered by the web layer. */
  pages: {
    renderError: NonNullable<Configuration['renderError']>;
    logoutSource: NonNullable<NonNullable<NonNullable<Configuration['features']>['rpInitiatedLogout']>['logoutSource']>;
    postLogoutSuccessSource: NonNullable<
      NonNullable<NonNullable<Configuration['features']>['rpInitiatedLogout']>['postLogoutSuccessSource']
    >;
  };
}

/** The provider's session cookie (path /): My account reads it to know which session is this browser's. */
export const SESSION_COOKIE = 'jmb_session';
/** The interaction's cookie (path /interaction/:uid, signed): its value is the interaction's uid. */
export const INTERACTION_COOKIE = 'jmb_interaction';

/** The admin API as an OAuth resource server: tokens for it carry admin:read and/or admin:write. */
export const adminApiResource = (issuer: string) => `${issuer}/api/admin`;

/**
 * First-party apps (the airline's own sites and apps, flagged by an admin) never show the consent
 * page: the member is already their customer. The grant is made here with what they asked for.
 */
function loadExistingGrant() {
  return async (ctx: KoaContextWithOIDC) => {
    const { oidc } = ctx;
    const client = oidc.client!;
    const accountId = oidc.session!.accountId!;
    const grantId =
      (oidc.result?.consent as { grantId?: string } | undefined)?.grantId ?? oidc.session!.grantIdFor(client.clientId);
    const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
    if (!isFirstParty(client)) return existing;
    const grant = existing ?? new oidc.provider.Grant({ clientId: client.clientId, accountId });
    grant.addOIDCScope(oidc.requestParamOIDCScopes ? [...oidc.requestParamOIDCScopes].join(' ') : 'openid');
    if (oidc.claims?.id_token) grant.addOIDCClaims(Object.keys(oidc.claims.id_token));
    if (oidc.claims?.userinfo) grant.addOIDCClaims(Object.keys(oidc.claims.userinfo));
    for (const [indicator, server] of Object.entries(oidc.resourceServers ?? {})) {
      const scope = (server as { scope?: string }).scope;
      if (scope) grant.addResourceScope(indicator, scope);
    }
    await grant.save();
    return grant;
  };
}

/** A lifetime an admin set for the app, kept within the configured bounds. */
function bounded(value: number | undefined, fallback: number, min: number, max: number): number {
  return value === undefined ? fallback : Math.min(max, Math.max(min, value));
}

export function createProvider(deps: ProviderDeps): Provider {
  const { config, secrets, connection, clock, members, admins, hmac, pages } = deps;
  const adminApi = adminApiResource(config.issuer);
  const ttl = config.ttl;
  const configuration: Configuration = {
    // Client secrets are stored as keyed hashes, whoever registers the client.
    adapter: createAdapterFactory(connection, clock, {
      beforeSave: (name, payload) => (name === 'Client' ? hashClientSecret(payload, hmac) : payload),
      clients: deps.clientCache,
      alsoSave: (name, payload) => (name === 'Session' ? deps.signIns.fieldsToSave(payload) : {}),
    }),
    findAccount: createFindAccount(members, admins),
    jwks: secrets.jwks as unknown as Configuration['jwks'],
    cookies: {
      keys: deps.cookieSigner,
      names: { session: SESSION_COOKIE, interaction: INTERACTION_COOKIE, resume: 'jmb_interaction_resume' },
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    // acr, amr and auth_time in every ID token, requested or not (DESIGN §4).
    claims: Object.fromEntries(
      Object.entries(MEMBER_SCOPE_CLAIMS)
        .filter(([, claims]) => claims.length > 0)
        .map(([scope, claims]) => [scope, [...claims]]),
    ),
    scopes: MEMBER_SCOPES,
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
    fetch: outgoingFetch(config.env !== 'production'),
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
      // Logout tokens are sent in the background and retried (backchannel.ts).
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: pages.logoutSource,
        postLogoutSuccessSource: pages.postLogoutSuccessSource,
      },
      claimsParameter: { enabled: true },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // The admin console and admin service clients get tokens for the admin API by default.
        defaultResource: async (_ctx, client, oneOf) =>
          oneOf ?? (isAdminConsole(client) || adminRoleOf(client) ? adminApi : undefined),
        useGrantedResource: async () => true,
        getResourceServerInfo: async (ctx, resource, client) => {
          if (resource !== adminApi) throw new errors.InvalidTarget('unknown resource');
          let role = adminRoleOf(client);
          if (isAdminConsole(client)) {
            // The console's token carries what the signed-in admin's role allows, no more.
            const { session, entities } = ctx.oidc;
            const accountId =
              session?.accountId ?? entities.AuthorizationCode?.accountId ?? entities.RefreshToken?.accountId;
            const admin = isAdminAccount(accountId) ? await admins.findActiveByAccountId(accountId!) : null;
            role = admin?.role ?? 'viewer';
          }
          if (!role) throw new errors.InvalidTarget('this client may not use the admin API');
          return {
            audience: adminApi,
            scope: ADMIN_SCOPES[role],
            accessTokenFormat: 'opaque',
            accessTokenTTL: 15 * 60,
          };
        },
      },
      registration: {
        enabled: true,
        initialAccessToken: true,
        issueRegistrationAccessToken: true,
        idFactory: clientIdFactory,
        policies: { [REGISTRATION_POLICY]: registrationPolicy(config.env !== 'production') },
      },
      registrationManagement: { enabled: true, rotateRegistrationAccessToken: true },
    },
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
      policy: interactionPolicy(),
    },
    loadExistingGrant: loadExistingGrant(),
    // OIDC Core 11 drops offline_access unless the request carries prompt=consent. The airline's own
    // apps never show consent, so they get refresh tokens whenever they are allowed the grant.
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && (code.scopes.has('offline_access') || isFirstParty(client)),
    // Refresh tokens live their own lifetime, not the browser session's: a member who signs out of
    // one site stays signed in to the airline's app. They end when revoked: sign-out everywhere,
    // an admin ending the member's sessions or locking them, a password reset, the app disabled.
    expiresWithSession: async (ctx, code) =>
      !(
        code.scopes.has('offline_access') ||
        (ctx.oidc.client ? isFirstParty(ctx.oidc.client) && ctx.oidc.client.grantTypeAllowed('refresh_token') : false)
      ),
    renderError: pages.renderError,
    formats: { bitsOfOpaqueRandomness },
    ttl: {
      AccessToken: (_ctx, token, client) =>
        token.resourceServer?.accessTokenTTL ??
        bounded(accessTokenTtlOf(client), ttl.accessTokenSeconds, ttl.accessTokenMinSeconds, ttl.accessTokenMaxSeconds),
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 10 * 60,
      AuthorizationCode: ttl.authorizationCodeSeconds,
      IdToken: ttl.idTokenSeconds,
      Interaction: ttl.interactionSeconds,
      Session: ttl.sessionSeconds,
      Grant: ttl.grantSeconds,
      RefreshToken: (ctx, _token, client) => {
        // A rotated public-client token keeps the lifetime of the chain it belongs to.
        const rotated = ctx?.oidc?.entities.RotatedRefreshToken;
        if (rotated && client.clientAuthMethod === 'none') return rotated.remainingTTL;
        return bounded(
          refreshTokenTtlOf(client),
          ttl.refreshTokenSeconds,
          ttl.refreshTokenMinSeconds,
          ttl.refreshTokenMaxSeconds,
        );
      },
    },
  };

  const provider = new Provider(config.issuer, configuration);
  provider.proxy = config.trustProxy.kind !== 'none';
  installHashedSecretComparison(provider, hmac);
  return provider;
}
