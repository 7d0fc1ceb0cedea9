import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { z } from 'zod';
import { ACR_VALUES } from '../assurance/acr.js';
import type { Config } from '../config.js';
import { FieldError } from '../errors.js';
import { displayName } from '../text.js';
import { CLIENT_KINDS, MEMBER_SCOPES } from './kinds.js';
import { checkBackchannelLogoutUri, checkRedirectUri } from './redirect-uris.js';

/**
 * From what an admin (or a command) asks for to the metadata oidc-provider stores: the rules of
 * each kind of app, as one pure function so the decision table can be tested on its own.
 */
export type Metadata = Record<string, unknown>;

export const CLIENT_ID = /^[A-Za-z0-9_-]{3,64}$/;

export const newClientSchema = z.object({
  clientId: z.string().regex(CLIENT_ID, 'may only contain letters, digits, _ and - (3 to 64 characters)').optional(),
  name: displayName(),
  kind: z.enum(CLIENT_KINDS),
  tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'private_key_jwt']).optional(),
  jwksUri: z.url({ protocol: /^https$/ }).optional(),
  jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) }).optional(),
  redirectUris: z.array(z.string().max(2000)).max(20).default([]),
  postLogoutRedirectUris: z.array(z.string().max(2000)).max(20).default([]),
  /** Back-Channel Logout 1.0; null or empty removes it. */
  backchannelLogoutUri: z.string().max(2000).nullable().optional(),
  backchannelLogoutSessionRequired: z.boolean().default(false),
  scopes: z.array(z.enum(MEMBER_SCOPES)).min(1).optional(),
  grantTypes: z
    .array(z.enum(['authorization_code', 'refresh_token']))
    .min(1)
    .optional(),
  firstParty: z.boolean().default(false),
  minAcr: z.enum(ACR_VALUES as [string, ...string[]]).optional(),
  accessTokenTtl: z.number().int().positive().optional(),
  refreshTokenTtl: z.number().int().positive().optional(),
  idTokenSigningAlg: z.enum(['RS256', 'ES256']).default('RS256'),
  adminRole: z.enum(['viewer', 'editor']).optional(),
  scope: z.string().optional(),
});
export type NewClient = z.input<typeof newClientSchema>;
/** What an edit may change: everything but the id and the kind. */
export type ClientChanges = Partial<Omit<NewClient, 'clientId' | 'kind'>>;
export type ClientInput = z.output<typeof newClientSchema>;

export interface MetadataRules {
  ttl: Config['ttl'];
  /** Outside production, http://localhost redirect URIs are accepted for every kind. */
  allowHttpLocalhost: boolean;
}

export function parseClientInput(input: unknown): ClientInput {
  const parsed = newClientSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new FieldError(issue.path.join('.') || 'client', issue.message);
  }
  return parsed.data;
}

/**
 * Why a key set given inline cannot authenticate the app (private_key_jwt), if it cannot: every
 * key must be a public signing key this runtime can import. A private key is refused too: it
 * should never have left the app.
 */
export function jwksProblem(keys: ReadonlyArray<Record<string, unknown>>): string | undefined {
  for (const [index, key] of keys.entries()) {
    if ('d' in key || 'k' in key) return `key ${index + 1} is a private or symmetric key: give the public keys only`;
    try {
      createPublicKey({ key: key as JsonWebKey, format: 'jwk' });
    } catch {
      return `key ${index + 1} is not a public key that can be used (${String(key.kty ?? 'no kty')})`;
    }
  }
  return undefined;
}

export function buildClientMetadata(data: ClientInput, clientId: string, rules: MetadataRules): Metadata {
  const { ttl, allowHttpLocalhost } = rules;
  const fail = (field: string, message: string): never => {
    throw new FieldError(field, message);
  };
  const service = data.kind === 'service';
  if (!service) {
    if (data.redirectUris.length === 0) fail('redirectUris', 'at least one redirect URI is required');
    for (const [field, uris] of [
      ['redirectUris', data.redirectUris],
      ['postLogoutRedirectUris', data.postLogoutRedirectUris],
    ] as const) {
      for (const uri of uris) {
        const problem = checkRedirectUri(data.kind, uri, { allowHttpLocalhost });
        if (problem) fail(field, `${uri} ${problem}`);
      }
    }
    if (data.adminRole) fail('adminRole', 'is only for service clients');
    if (data.backchannelLogoutUri) {
      const problem = checkBackchannelLogoutUri(data.backchannelLogoutUri, { allowHttpLocalhost });
      if (problem) fail('backchannelLogoutUri', `${data.backchannelLogoutUri} ${problem}`);
    }
  } else {
    if (!data.adminRole) fail('adminRole', 'is required for a service client (viewer or editor)');
    if (data.redirectUris.length || data.postLogoutRedirectUris.length)
      fail('redirectUris', 'a service client has no redirect URIs');
    if (data.backchannelLogoutUri) fail('backchannelLogoutUri', 'a service client has no sessions to log out');
  }
  const confidential = data.kind === 'web' || service;
  const authMethod = confidential ? (data.tokenEndpointAuthMethod ?? 'client_secret_basic') : 'none';
  if (!confidential && data.tokenEndpointAuthMethod)
    fail('tokenEndpointAuthMethod', `a ${data.kind} app is public: it authenticates with PKCE only`);
  if (authMethod === 'private_key_jwt' && !data.jwksUri && !data.jwks)
    fail('jwksUri', 'private_key_jwt needs the app’s public keys (jwksUri or jwks)');
  if (authMethod !== 'private_key_jwt' && (data.jwksUri || data.jwks))
    fail('jwksUri', 'is only used with private_key_jwt');
  if (data.jwks) {
    const problem = jwksProblem(data.jwks.keys);
    if (problem) fail('jwks', problem);
  }
  if (
    data.accessTokenTtl !== undefined &&
    (data.accessTokenTtl < ttl.accessTokenMinSeconds || data.accessTokenTtl > ttl.accessTokenMaxSeconds)
  ) {
    fail('accessTokenTtl', `must be between ${ttl.accessTokenMinSeconds} and ${ttl.accessTokenMaxSeconds} seconds`);
  }
  if (
    data.refreshTokenTtl !== undefined &&
    (data.refreshTokenTtl < ttl.refreshTokenMinSeconds || data.refreshTokenTtl > ttl.refreshTokenMaxSeconds)
  ) {
    fail('refreshTokenTtl', `must be between ${ttl.refreshTokenMinSeconds} and ${ttl.refreshTokenMaxSeconds} seconds`);
  }
  const grantTypes = service ? ['client_credentials'] : (data.grantTypes ?? ['authorization_code', 'refresh_token']);
  if (!service && !grantTypes.includes('authorization_code')) fail('grantTypes', 'must include authorization_code');
  const scope = service ? undefined : (data.scope ?? (data.scopes ?? [...MEMBER_SCOPES]).join(' '));
  return {
    client_id: clientId,
    client_name: data.name,
    client_kind: data.kind,
    application_type: data.kind === 'native' ? 'native' : 'web',
    redirect_uris: data.redirectUris,
    post_logout_redirect_uris: data.postLogoutRedirectUris,
    ...(data.backchannelLogoutUri
      ? {
          backchannel_logout_uri: data.backchannelLogoutUri,
          backchannel_logout_session_required: data.backchannelLogoutSessionRequired,
        }
      : {}),
    grant_types: grantTypes,
    response_types: service ? [] : ['code'],
    token_endpoint_auth_method: authMethod,
    ...(authMethod === 'private_key_jwt' ? (data.jwksUri ? { jwks_uri: data.jwksUri } : { jwks: data.jwks }) : {}),
    id_token_signed_response_alg: data.idTokenSigningAlg,
    first_party: data.firstParty,
    ...(scope ? { scope } : {}),
    ...(data.minAcr ? { min_acr: data.minAcr } : {}),
    ...(data.accessTokenTtl ? { access_token_ttl: data.accessTokenTtl } : {}),
    ...(data.refreshTokenTtl ? { refresh_token_ttl: data.refreshTokenTtl } : {}),
    ...(data.adminRole ? { admin_role: data.adminRole } : {}),
  };
}
