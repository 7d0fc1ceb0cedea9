import { randomBytes } from 'node:crypto';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { ClientKind } from '../clients/kinds.js';
import { checkBackchannelLogoutUri, checkRedirectUri } from '../clients/redirect-uris.js';
import { CLIENT_METADATA_PROPERTIES } from './client-metadata.js';

/**
 * Dynamic client registration (RFC 7591) and its management (RFC 7592), gated by initial access
 * tokens that admins issue. Every such token carries this policy: a self-registered app is a
 * third-party app (consent is asked), with the same redirect URI rules as admin-registered ones,
 * and none of the privileged metadata only admins may set.
 */
export const REGISTRATION_POLICY = 'relying-app';

export function registrationPolicy(allowHttpLocalhost: boolean) {
  return async (_ctx: KoaContextWithOIDC, properties: Record<string, unknown>): Promise<void> => {
    for (const key of CLIENT_METADATA_PROPERTIES) delete properties[key];
    // The policy runs before oidc-provider's own validation: check the shapes it reads first.
    for (const field of ['redirect_uris', 'post_logout_redirect_uris', 'grant_types', 'response_types'] as const) {
      const value = properties[field];
      if (value !== undefined && (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))) {
        throw new errors.InvalidClientMetadata(`the value of ${field} must be an array of strings`);
      }
    }
    const native = properties.application_type === 'native';
    const isPublic = properties.token_endpoint_auth_method === 'none';
    const kind: ClientKind = native ? 'native' : isPublic ? 'spa' : 'web';
    properties.client_kind = kind;
    properties.registration = 'dynamic';
    const grants = (properties.grant_types as string[] | undefined) ?? ['authorization_code'];
    if (grants.some((grant) => grant !== 'authorization_code' && grant !== 'refresh_token')) {
      throw new errors.InvalidClientMetadata('grant_types may only contain authorization_code and refresh_token');
    }
    for (const field of ['redirect_uris', 'post_logout_redirect_uris'] as const) {
      for (const uri of (properties[field] as string[] | undefined) ?? []) {
        const problem = checkRedirectUri(kind, uri, { allowHttpLocalhost });
        if (problem) throw new errors.InvalidRedirectUri(`${field}: ${uri} ${problem}`);
      }
    }
    const logoutUri = properties.backchannel_logout_uri;
    if (logoutUri !== undefined) {
      const problem =
        typeof logoutUri === 'string'
          ? checkBackchannelLogoutUri(logoutUri, { allowHttpLocalhost })
          : 'must be a string';
      if (problem) throw new errors.InvalidClientMetadata(`backchannel_logout_uri ${problem}`);
    }
  };
}

/** Client ids without dots (they become object keys in session records). */
export const clientIdFactory = () => randomBytes(12).toString('base64url');
