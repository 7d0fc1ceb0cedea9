import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import { FieldError } from '../errors.js';
import type { Hmac } from '../security/hmac.js';
import {
  buildClientMetadata,
  CLIENT_ID,
  type ClientChanges,
  type Metadata,
  type NewClient,
  parseClientInput,
} from './metadata.js';
import type { ClientStore } from './store.js';
import { type ClientView, toView } from './view.js';

/**
 * Relying applications (see kinds.ts) registered by admins and commands. Records live in
 * oidc-provider's client collection, behind the store the provider module implements, so the
 * provider validates them exactly as it will use them. Secrets are stored as keyed hashes.
 */
export interface CreatedClient {
  clientId: string;
  /** Shown once: only a keyed hash is stored. */
  clientSecret: string | undefined;
  metadata: Record<string, unknown>;
  view: ClientView;
}

export interface InternalClient {
  clientId: string;
  name: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
  /**
   * Where the console hears of a logout. Never fetched: the provider logs its own consoles out
   * in-process (oidc/backchannel.ts); registering it makes ID tokens carry the sid it goes by.
   */
  backchannelLogoutUri: string;
  scope: string;
  minAcr?: string | undefined;
}

export interface ClientsLibrary {
  create(input: NewClient): Promise<CreatedClient>;
  list(): Promise<ClientView[]>;
  get(clientId: string): Promise<ClientView | null>;
  update(clientId: string, changes: ClientChanges): Promise<ClientView | null>;
  setDisabled(clientId: string, disabled: boolean): Promise<ClientView | null>;
  rotateSecret(clientId: string): Promise<{ clientSecret: string; view: ClientView } | null>;
  /** Removes the registration and revokes every grant and token it had. */
  remove(clientId: string): Promise<boolean>;
  /**
   * The secret of one of the provider's own consoles: derived from HMAC_SECRET, so that every
   * instance (and every command) agrees on it without storing it anywhere.
   */
  internalSecret(clientId: string): string;
  /** Registers (or refreshes) one of the provider's own consoles. Only the server does this. */
  ensureInternal(input: InternalClient): Promise<void>;
}

export function createClientsLibrary(deps: {
  store: ClientStore;
  /** Revokes every grant, code and token the provider issued to a client. */
  revokeAll: (clientId: string) => Promise<void>;
  hmac: Hmac;
  config: Config;
}): ClientsLibrary {
  const { store, revokeAll, config } = deps;
  const rules = { ttl: config.ttl, allowHttpLocalhost: config.env !== 'production' };

  /** A registration admins manage, disabled or not (never one of the provider's own consoles). */
  async function stored(clientId: string): Promise<Metadata | null> {
    if (!CLIENT_ID.test(clientId)) return null;
    const metadata = await store.find(clientId);
    return metadata && metadata.internal !== true ? metadata : null;
  }

  const newSecret = () => randomBytes(32).toString('base64url');
  const internalSecret = (clientId: string) => deps.hmac.digest('internal-client', clientId);

  return {
    async create(input) {
      const data = parseClientInput(input);
      const clientId = data.clientId ?? randomBytes(12).toString('base64url');
      const metadata = buildClientMetadata(data, clientId, rules);
      const clientSecret = metadata.token_endpoint_auth_method === 'client_secret_basic' ? newSecret() : undefined;
      Object.assign(
        metadata,
        { client_id_issued_at: Math.floor(Date.now() / 1000) },
        clientSecret ? { client_secret: clientSecret, client_secret_expires_at: 0 } : {},
      );
      // Created only if the id is free, atomically: of two simultaneous creations one fails.
      if (!(await store.save(metadata, { create: true })))
        throw new FieldError('clientId', `${clientId} is already registered`, 409);
      const { client_secret: _hidden, ...shown } = metadata;
      return { clientId, clientSecret, metadata: shown, view: toView(shown) };
    },

    async list() {
      const all = await store.list();
      return all
        .filter((metadata) => metadata.internal !== true)
        .map(toView)
        .sort((a, b) => a.name.localeCompare(b.name));
    },

    async get(clientId) {
      const metadata = await stored(clientId);
      return metadata ? toView(metadata) : null;
    },

    async update(clientId, changes) {
      const current = await stored(clientId);
      if (!current) return null;
      const view = toView(current);
      if (view.dynamically_registered)
        throw new FieldError('client', 'a dynamically registered app is managed by its owner through RFC 7592');
      const merged = parseClientInput({
        name: view.name,
        kind: view.kind,
        tokenEndpointAuthMethod:
          view.kind === 'web' || view.kind === 'service' ? view.token_endpoint_auth_method : undefined,
        jwksUri: view.jwks_uri ?? undefined,
        jwks: current.jwks,
        redirectUris: view.redirect_uris,
        postLogoutRedirectUris: view.post_logout_redirect_uris,
        backchannelLogoutUri: view.backchannel_logout_uri,
        backchannelLogoutSessionRequired: view.backchannel_logout_session_required,
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
      const metadata = buildClientMetadata(merged, clientId, rules);
      for (const key of ['client_secret', 'client_secret_expires_at', 'client_id_issued_at', 'disabled'] as const) {
        if (current[key] !== undefined) metadata[key] = current[key];
      }
      // A switch to private_key_jwt leaves no secret behind; a switch to a secret needs a rotation.
      if (metadata.token_endpoint_auth_method !== 'client_secret_basic') delete metadata.client_secret;
      else if (!metadata.client_secret)
        throw new FieldError(
          'tokenEndpointAuthMethod',
          'switching to client_secret_basic needs a new secret: rotate the secret',
        );
      await store.save(metadata, { create: false });
      return toView(metadata);
    },

    async setDisabled(clientId, disabled) {
      const current = await stored(clientId);
      if (!current) return null;
      await store.setDisabled(clientId, disabled);
      if (disabled) await revokeAll(clientId);
      return toView({ ...current, disabled });
    },

    async rotateSecret(clientId) {
      const current = await stored(clientId);
      if (!current) return null;
      if (
        current.token_endpoint_auth_method !== 'client_secret_basic' &&
        current.token_endpoint_auth_method !== 'client_secret_post'
      ) {
        throw new FieldError('client', 'this app has no client secret (it is public or uses private_key_jwt)');
      }
      if (toView(current).dynamically_registered)
        throw new FieldError(
          'client',
          'a dynamically registered app’s secret is managed by its owner through RFC 7592',
        );
      const clientSecret = newSecret();
      await store.save({ ...current, client_secret: clientSecret, client_secret_expires_at: 0 }, { create: false });
      return { clientSecret, view: toView(current) };
    },

    async remove(clientId) {
      if (!(await stored(clientId))) return false;
      await revokeAll(clientId);
      await store.remove(clientId);
      return true;
    },

    internalSecret,

    async ensureInternal(input) {
      const secret = internalSecret(input.clientId);
      const metadata = {
        client_id: input.clientId,
        client_name: input.name,
        application_type: 'web',
        redirect_uris: [input.redirectUri],
        post_logout_redirect_uris: [input.postLogoutRedirectUri],
        backchannel_logout_uri: input.backchannelLogoutUri,
        backchannel_logout_session_required: true,
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
      await store.save(metadata, { create: false });
    },
  };
}
