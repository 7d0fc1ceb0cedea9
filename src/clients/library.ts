import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import type { Config } from '../config.js';
import { ACR_VALUES } from '../oidc/acr.js';
import { oidcModel } from '../oidc/adapter.js';
import type { Hmac } from '../security/hmac.js';
import { checkRedirectUri } from './redirect-uris.js';
import { toView, type ClientView } from './view.js';

export { checkRedirectUri } from './redirect-uris.js';
export { HASHED_SECRET_PREFIX, hashClientSecret, installHashedSecretComparison } from './secrets.js';
export type { ClientView } from './view.js';

/**
 * Relying applications, as an admin thinks of them:
 * - web: a confidential server-side app (client_secret_basic or private_key_jwt);
 * - native: a public mobile or desktop app, PKCE only (RFC 8252 redirect URIs);
 * - spa: a public browser app, PKCE only;
 * - service: a machine client of the admin API (client credentials), with a role.
 * Records are stored through oidc-provider's Client model (collection oidc_client), so the
 * provider validates them exactly as it will use them. Secrets are stored as keyed hashes.
 */
export const CLIENT_KINDS = ['web', 'native', 'spa', 'service'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];
export const MEMBER_SCOPES = ['openid', 'profile', 'email', 'phone', 'membership', 'offline_access'] as const;

export class ClientInputError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'ClientInputError';
  }
}

const CLIENT_ID = /^[A-Za-z0-9_-]{3,64}$/;

export const newClientSchema = z.object({
  clientId: z.string().regex(CLIENT_ID, 'may only contain letters, digits, _ and - (3 to 64 characters)').optional(),
  name: z.string().trim().min(1, 'is required').max(100),
  kind: z.enum(CLIENT_KINDS),
  tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'private_key_jwt']).optional(),
  jwksUri: z.url({ protocol: /^https$/ }).optional(),
  jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) }).optional(),
  redirectUris: z.array(z.string().max(2000)).max(20).default([]),
  postLogoutRedirectUris: z.array(z.string().max(2000)).max(20).default([]),
  scopes: z.array(z.enum(MEMBER_SCOPES)).min(1).optional(),
  grantTypes: z.array(z.enum(['authorization_code', 'refresh_token'])).min(1).optional(),
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

export interface CreatedClient {
  clientId: string;
  /** Shown once: only a keyed hash is stored. */
  clientSecret: string | undefined;
  metadata: Record<string, unknown>;
  view: ClientView;
}

type Metadata = Record<string, unknown>;

interface ClientAdapter {
  upsert(id: string, payload: unknown, expiresIn: number): Promise<void>;
  destroy(id: string): Promise<void>;
}
function adapterOf(provider: Provider): ClientAdapter {
  return (provider.Client as unknown as { adapter: ClientAdapter }).adapter;
}

/** Every kind of record a client's grants leave behind in the provider's collections. */
const CLIENT_RECORDS = ['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest', 'ClientCredentials', 'Grant'] as const;

export interface ClientsLibrary {
  create(input: NewClient): Promise<CreatedClient>;
  list(): Promise<ClientView[]>;
  get(clientId: string): Promise<ClientView | null>;
  update(clientId: string, changes: ClientChanges): Promise<ClientView | null>;
  setDisabled(clientId: string, disabled: boolean): Promise<ClientView | null>;
  rotateSecret(clientId: string): Promise<{ clientSecret: string; view: ClientView } | null>;
  /** Removes the registration and revokes every grant and token it had. */
  remove(clientId: string): Promise<boolean>;
  /** Revokes every grant, code and token issued to a client. */
  revokeAll(clientId: string): Promise<void>;
  /**
   * Registers (or refreshes) one of the provider's own consoles, with a secret derived from
   * HMAC_SECRET so that every instance agrees on it without storing it anywhere.
   */
  ensureInternal(input: { clientId: string; name: string; redirectUri: string; postLogoutRedirectUri: string; scope: string; minAcr?: string | undefined }): Promise<string>;
}

export function createClientsLibrary(deps: { provider: Provider; hmac: Hmac; connection: Connection; config: Config }): ClientsLibrary {
  const { provider, connection, config } = deps;
  const allowHttpLocalhost = config.env !== 'production';
  const raw = oidcModel(connection, 'Client');
  const ttl = config.ttl;

  /** The stored record, disabled or not (the provider itself does not see disabled ones). */
  async function stored(clientId: string): Promise<Metadata | null> {
    if (!CLIENT_ID.test(clientId)) return null;
    const doc = await raw.findById(clientId).lean();
    return doc && doc.payload.internal !== true ? (doc.payload as Metadata) : null;
  }

  function buildMetadata(data: z.output<typeof newClientSchema>, clientId: string): Metadata {
    const fail = (field: string, message: string): never => {
      throw new ClientInputError(field, message);
    };
    const service = data.kind === 'service';
    if (!service) {
      if (data.redirectUris.length === 0) fail('redirectUris', 'at least one redirect URI is required');
      for (const [field, uris] of [['redirectUris', data.redirectUris], ['postLogoutRedirectUris', data.postLogoutRedirectUris]] as const) {
        for (const uri of uris) {
          const problem = checkRedirectUri(data.kind, uri, { allowHttpLocalhost });
          if (problem) fail(field, `${uri} ${problem}`);
        }
      }
      if (data.adminRole) fail('adminRole', 'is only for service clients');
    } else {
      if (!data.adminRole) fail('adminRole', 'is required for a service client (viewer or editor)');
      if (data.redirectUris.length || data.postLogoutRedirectUris.length) fail('redirectUris', 'a service client has no redirect URIs');
    }
    const confidential = data.kind === 'web' || service;
    const authMethod = confidential ? (data.tokenEndpointAuthMethod ?? 'client_secret_basic') : 'none';
    if (!confidential && data.tokenEndpointAuthMethod) fail('tokenEndpointAuthMethod', `a ${data.kind} app is public: it authenticates with PKCE only`);
    if (authMethod === 'private_key_jwt' && !data.jwksUri && !data.jwks) fail('jwksUri', 'private_key_jwt needs the app’s public keys (jwksUri or jwks)');
    if (authMethod !== 'private_key_jwt' && (data.jwksUri || data.jwks)) fail('jwksUri', 'is only used with private_key_jwt');
    if (data.accessTokenTtl !== undefined && (data.accessTokenTtl < ttl.accessTokenMinSeconds || data.accessTokenTtl > ttl.accessTokenMaxSeconds)) {
      fail('accessTokenTtl', `must be between ${ttl.accessTokenMinSeconds} and ${ttl.accessTokenMaxSeconds} seconds`);
    }
    if (data.refreshTokenTtl !== undefined && (data.refreshTokenTtl < ttl.refreshTokenMinSeconds || data.refreshTokenTtl > ttl.refreshTokenMaxSeconds)) {
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

  function parse(input: unknown) {
    const parsed = newClientSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ClientInputError(issue.path.join('.') || 'client', issue.message);
    }
    return parsed.data;
  }

  async function validateAndStore(metadata: Metadata): Promise<void> {
    const clean = Object.fromEntries(Object.entries(metadata).filter(([, v]) => v !== undefined));
    try {
      // The provider's own validation, on a copy carrying a placeholder for a secret it only sees hashed.
      await provider.Client.validate({ ...clean, ...(clean.client_secret ? { client_secret: 'x'.repeat(43) } : {}) } as never);
    } catch (error) {
      const e = error as { error_description?: string; message: string };
      throw new ClientInputError('metadata', e.error_description ?? e.message);
    }
    // The adapter replaces a plaintext secret by its hash on the way in (see oidc/provider.ts).
    await adapterOf(provider).upsert(String(clean.client_id), clean, 0);
  }

  async function revokeAll(clientId: string): Promise<void> {
    for (const name of CLIENT_RECORDS) await oidcModel(connection, name).deleteMany({ 'payload.clientId': clientId });
  }

  const newSecret = () => randomBytes(32).toString('base64url');

  return {
    async create(input) {
      const data = parse(input);
      const clientId = data.clientId ?? randomBytes(12).toString('base64url');
      if (await raw.exists({ _id: clientId })) throw new ClientInputError('clientId', `${clientId} is already registered`);
      const metadata = buildMetadata(data, clientId);
      const clientSecret = metadata.token_endpoint_auth_method === 'client_secret_basic' ? newSecret() : undefined;
      Object.assign(metadata, { client_id_issued_at: Math.floor(Date.now() / 1000) }, clientSecret ? { client_secret: clientSecret, client_secret_expires_at: 0 } : {});
      await validateAndStore(metadata);
      const { client_secret: _hidden, ...shown } = metadata;
      return { clientId, clientSecret, metadata: shown, view: toView(shown) };
    },

    async list() {
      const docs = await raw.find({ 'payload.internal': { $ne: true } }).lean();
      return docs.map((doc) => toView(doc.payload as Metadata)).sort((a, b) => a.name.localeCompare(b.name));
    },

    async get(clientId) {
      const metadata = await stored(clientId);
      return metadata ? toView(metadata) : null;
    },

    async update(clientId, changes) {
      const current = await stored(clientId);
      if (!current) return null;
      const view = toView(current);
      if (view.dynamically_registered) throw new ClientInputError('client', 'a dynamically registered app is managed by its owner through RFC 7592');
      const merged = parse({
        name: view.name,
        kind: view.kind,
        tokenEndpointAuthMethod: view.kind === 'web' || view.kind === 'service' ? view.token_endpoint_auth_method : undefined,
        jwksUri: view.jwks_uri ?? undefined,
        jwks: current.jwks,
        redirectUris: view.redirect_uris,
        postLogoutRedirectUris: view.post_logout_redirect_uris,
        scopes: view.kind === 'service' ? undefined : view.scopes,
        grantTypes: view.kind === 'service' ? undefined : view.grant_types,
        firstParty: view.first_party,
        minAcr: view.min_acr ?? undefined,
        accessTokenTtl: view.access_token_ttl ?? undefined,
        refreshTokenTtl: view.refresh_token_ttl ?? undefined,
        idTokenSigningAlg: view.id_token_signed_response_alg,
        adminRole: view.admin_role ?? undefined,
        ...changes,
      });
      const metadata = buildMetadata(merged, clientId);
      for (const key of ['client_secret', 'client_secret_expires_at', 'client_id_issued_at', 'disabled'] as const) {
        if (current[key] !== undefined) metadata[key] = current[key];
      }
      // A switch to private_key_jwt leaves no secret behind; a switch to a secret needs a rotation.
      if (metadata.token_endpoint_auth_method !== 'client_secret_basic') delete metadata.client_secret;
      else if (!metadata.client_secret) throw new ClientInputError('tokenEndpointAuthMethod', 'switching to client_secret_basic needs a new secret: rotate the secret');
      await validateAndStore(metadata);
      return toView(metadata);
    },

    async setDisabled(clientId, disabled) {
      const current = await stored(clientId);
      if (!current) return null;
      await raw.updateOne({ _id: clientId }, { $set: { 'payload.disabled': disabled } });
      if (disabled) await revokeAll(clientId);
      return toView({ ...current, disabled });
    },

    async rotateSecret(clientId) {
      const current = await stored(clientId);
      if (!current) return null;
      if (current.token_endpoint_auth_method !== 'client_secret_basic' && current.token_endpoint_auth_method !== 'client_secret_post') {
        throw new ClientInputError('client', 'this app has no client secret (it is public or uses private_key_jwt)');
      }
      const clientSecret = newSecret();
      await validateAndStore({ ...current, client_secret: clientSecret, client_secret_expires_at: 0 });
      return { clientSecret, view: toView(current) };
    },

    async remove(clientId) {
      if (!(await stored(clientId))) return false;
      await revokeAll(clientId);
      await adapterOf(provider).destroy(clientId);
      return true;
    },

    revokeAll,

    async ensureInternal(input) {
      const secret = deps.hmac.digest('internal-client', input.clientId);
      const metadata = {
        client_id: input.clientId,
        client_name: input.name,
        application_type: 'web',
        redirect_uris: [input.redirectUri],
        post_logout_redirect_uris: [input.postLogoutRedirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'ES256',
        scope: input.scope,
        first_party: true,
        internal: true,
        ...(input.minAcr ? { min_acr: input.minAcr } : {}),
        client_secret: secret,
        client_secret_expires_at: 0,
      };
      await provider.Client.validate(metadata as never);
      await adapterOf(provider).upsert(input.clientId, metadata, 0);
      return secret;
    },
  };
}
