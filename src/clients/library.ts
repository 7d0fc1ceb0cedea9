import { randomBytes } from 'node:crypto';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import type { Hmac } from '../security/hmac.js';

/**
 * Relying applications. Three kinds, as an admin thinks of them:
 * - web: a confidential server-side app with a client secret (client_secret_basic);
 * - native: a public mobile or desktop app, PKCE only (RFC 8252 redirect URIs);
 * - spa: a public browser app, PKCE only.
 * Records are stored through oidc-provider's Client model (collection oidc_client), so the
 * provider validates them exactly as it will use them.
 */
export const CLIENT_KINDS = ['web', 'native', 'spa'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

export class ClientInputError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'ClientInputError';
  }
}

const CLIENT_ID = /^[A-Za-z0-9_-]{3,64}$/;

export const newClientSchema = z.object({
  clientId: z.string().regex(CLIENT_ID, 'may only contain letters, digits, _ and - (3 to 64 characters)').optional(),
  name: z.string().trim().min(1).max(100),
  kind: z.enum(CLIENT_KINDS),
  redirectUris: z.array(z.string()).min(1, 'at least one redirect URI is required'),
  postLogoutRedirectUris: z.array(z.string()).default([]),
  firstParty: z.boolean().default(false),
  idTokenSigningAlg: z.enum(['RS256', 'ES256']).default('RS256'),
  scope: z.string().optional(),
});
export type NewClient = z.input<typeof newClientSchema>;

function isLoopback(url: URL): boolean {
  return url.hostname === '127.0.0.1' || url.hostname === '[::1]' || url.hostname === 'localhost';
}

/** Redirect URI rules by kind: exact URIs, no fragments; https except loopback and native schemes. */
export function checkRedirectUri(kind: ClientKind, value: string, options: { allowHttpLocalhost: boolean }): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not an absolute URI';
  }
  if (url.hash || value.includes('#')) return 'must not contain a fragment';
  if (url.username || url.password) return 'must not contain credentials';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    if (kind === 'native' && (url.hostname === '127.0.0.1' || url.hostname === '[::1]')) return undefined; // RFC 8252 7.3
    if (options.allowHttpLocalhost && isLoopback(url)) return undefined;
    return 'must use https (http is only allowed for loopback redirects of native apps)';
  }
  if (kind === 'native') {
    // RFC 8252 7.1: a private-use scheme in reverse domain name notation, e.g. com.jal.app:/callback
    if (/^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/.test(url.protocol)) return undefined;
    return 'must be https, a loopback http URI, or a reverse-domain custom scheme such as com.example.app:/callback';
  }
  return 'must use https';
}

export interface CreatedClient {
  clientId: string;
  /** Shown once: only a keyed hash is stored. */
  clientSecret: string | undefined;
  metadata: Record<string, unknown>;
}

interface ClientAdapter {
  upsert(id: string, payload: unknown, expiresIn: number): Promise<void>;
  destroy(id: string): Promise<void>;
}
function adapterOf(provider: Provider): ClientAdapter {
  return (provider.Client as unknown as { adapter: ClientAdapter }).adapter;
}

/** Stored client secrets are HMACs; this prefix marks them. */
export const HASHED_SECRET_PREFIX = 'hmac-sha256:';

export interface ClientsLibrary {
  create(input: NewClient): Promise<CreatedClient>;
  /** Removes the registration; its grants and tokens stop working with it. */
  remove(clientId: string): Promise<boolean>;
  /**
   * Registers (or refreshes) one of the provider's own consoles, with a secret derived from
   * HMAC_SECRET so that every instance agrees on it without storing it anywhere.
   */
  ensureInternal(input: { clientId: string; name: string; redirectUri: string; postLogoutRedirectUri: string; scope: string }): Promise<string>;
}

export function createClientsLibrary(deps: { provider: Provider; hmac: Hmac; allowHttpLocalhost: boolean }): ClientsLibrary {
  const { provider } = deps;

  return {
    async create(input: NewClient): Promise<CreatedClient> {
      const parsed = newClientSchema.safeParse(input);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new ClientInputError(issue.path.join('.') || 'client', issue.message);
      }
      const data = parsed.data;
      for (const [field, uris] of [['redirectUris', data.redirectUris], ['postLogoutRedirectUris', data.postLogoutRedirectUris]] as const) {
        for (const uri of uris) {
          const problem = checkRedirectUri(data.kind, uri, { allowHttpLocalhost: deps.allowHttpLocalhost });
          if (problem) throw new ClientInputError(field, `${uri} ${problem}`);
        }
      }
      const clientId = data.clientId ?? randomBytes(12).toString('base64url');
      if (await provider.Client.find(clientId)) throw new ClientInputError('clientId', `${clientId} is already registered`);
      const confidential = data.kind === 'web';
      const clientSecret = confidential ? randomBytes(32).toString('base64url') : undefined;
      const metadata: Record<string, unknown> = {
        client_id: clientId,
        client_name: data.name,
        application_type: data.kind === 'native' ? 'native' : 'web',
        redirect_uris: data.redirectUris,
        post_logout_redirect_uris: data.postLogoutRedirectUris,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: confidential ? 'client_secret_basic' : 'none',
        id_token_signed_response_alg: data.idTokenSigningAlg,
        first_party: data.firstParty,
        client_id_issued_at: Math.floor(Date.now() / 1000),
        ...(data.scope ? { scope: data.scope } : {}),
        ...(clientSecret ? { client_secret: clientSecret, client_secret_expires_at: 0 } : {}),
      };
      try {
        await provider.Client.validate(metadata as never);
      } catch (error) {
        const e = error as { error_description?: string; message: string };
        throw new ClientInputError('metadata', e.error_description ?? e.message);
      }
      // The adapter replaces the secret by its hash on the way in (see oidc/provider.ts).
      await adapterOf(provider).upsert(clientId, metadata, 0);
      return { clientId, clientSecret, metadata: { ...metadata, client_secret: undefined } };
    },

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
        client_secret: secret,
        client_secret_expires_at: 0,
      };
      await provider.Client.validate(metadata as never);
      await adapterOf(provider).upsert(input.clientId, metadata, 0);
      return secret;
    },

    async remove(clientId) {
      if (!(await provider.Client.find(clientId))) return false;
      await adapterOf(provider).destroy(clientId);
      return true;
    },
  };
}

/** Replaces a plaintext client_secret by its keyed hash before the record is stored. */
export function hashClientSecret<T extends Record<string, unknown>>(metadata: T, hmac: Hmac): T {
  const secret = metadata.client_secret;
  if (typeof secret !== 'string' || secret.startsWith(HASHED_SECRET_PREFIX)) return metadata;
  return { ...metadata, client_secret: HASHED_SECRET_PREFIX + hmac.digest('client-secret', secret) };
}

/** Teaches oidc-provider to compare a presented secret with the stored hash, in constant time. */
export function installHashedSecretComparison(provider: Provider, hmac: Hmac): void {
  const proto = provider.Client.prototype as unknown as { compareClientSecret(this: { clientSecret?: string }, actual: string): boolean };
  const original = proto.compareClientSecret;
  proto.compareClientSecret = function compareClientSecret(actual) {
    const stored = this.clientSecret ?? '';
    if (!stored.startsWith(HASHED_SECRET_PREFIX)) return original.call(this, actual);
    return hmac.matches('client-secret', actual, stored.slice(HASHED_SECRET_PREFIX.length));
  };
}
