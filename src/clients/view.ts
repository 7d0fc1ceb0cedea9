import type { ClientKind } from './kinds.js';

/** How the admin API and console show a client (never its secret). */
export interface ClientView {
  client_id: string;
  name: string;
  kind: ClientKind;
  token_endpoint_auth_method: string;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  backchannel_logout_uri: string | null;
  backchannel_logout_session_required: boolean;
  scopes: string[];
  grant_types: string[];
  first_party: boolean;
  min_acr: string | null;
  access_token_ttl: number | null;
  refresh_token_ttl: number | null;
  id_token_signed_response_alg: string;
  jwks_uri: string | null;
  admin_role: string | null;
  disabled: boolean;
  dynamically_registered: boolean;
  created_at: string | null;
}

/** A stored client record as the admin API and console show it. */
export function toView(metadata: Record<string, unknown>): ClientView {
  const kind =
    (metadata.client_kind as ClientKind | undefined) ??
    (metadata.application_type === 'native'
      ? 'native'
      : metadata.token_endpoint_auth_method === 'none'
        ? 'spa'
        : 'web');
  return {
    client_id: String(metadata.client_id),
    name: String(metadata.client_name ?? metadata.client_id),
    kind,
    token_endpoint_auth_method: String(metadata.token_endpoint_auth_method ?? 'client_secret_basic'),
    redirect_uris: (metadata.redirect_uris as string[] | undefined) ?? [],
    post_logout_redirect_uris: (metadata.post_logout_redirect_uris as string[] | undefined) ?? [],
    backchannel_logout_uri: (metadata.backchannel_logout_uri as string | undefined) ?? null,
    backchannel_logout_session_required: metadata.backchannel_logout_session_required === true,
    scopes: typeof metadata.scope === 'string' ? metadata.scope.split(' ') : [],
    grant_types: (metadata.grant_types as string[] | undefined) ?? ['authorization_code'],
    first_party: metadata.first_party === true,
    min_acr: (metadata.min_acr as string | undefined) ?? null,
    access_token_ttl: (metadata.access_token_ttl as number | undefined) ?? null,
    refresh_token_ttl: (metadata.refresh_token_ttl as number | undefined) ?? null,
    id_token_signed_response_alg: String(metadata.id_token_signed_response_alg ?? 'RS256'),
    jwks_uri: (metadata.jwks_uri as string | undefined) ?? null,
    admin_role: (metadata.admin_role as string | undefined) ?? null,
    disabled: metadata.disabled === true,
    // Registered by its developer (RFC 7591); apps registered before the marker have no kind.
    dynamically_registered:
      metadata.registration === 'dynamic' || (metadata.client_kind === undefined && metadata.internal !== true),
    created_at:
      typeof metadata.client_id_issued_at === 'number'
        ? new Date(metadata.client_id_issued_at * 1000).toISOString()
        : null,
  };
}
