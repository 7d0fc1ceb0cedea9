import { type Client, errors, type KoaContextWithOIDC } from 'oidc-provider';
import { ACR_VALUES } from '../assurance/acr.js';

/**
 * Client metadata of ours, beside the standard registration metadata (set by admins; dynamic
 * registration strips them, see registration.ts):
 * - first_party: the airline's own app; members are not asked for consent.
 * - internal: one of the provider's own consoles, registered by the provider itself.
 * - client_kind: web, native, spa or service, as the admin registered it.
 * - min_acr: an assurance level the app always requires, whatever it asks for.
 * - disabled: the app is switched off (the provider then does not see it at all).
 * - admin_role: a service client of the admin API (viewer: read, editor: read and write).
 * - access_token_ttl, refresh_token_ttl: lifetimes within the configured bounds.
 * - registration: 'dynamic' for an app its developer registered (RFC 7591), managed by them.
 */
export const CLIENT_METADATA_PROPERTIES = [
  'first_party',
  'internal',
  'client_kind',
  'min_acr',
  'disabled',
  'admin_role',
  'access_token_ttl',
  'refresh_token_ttl',
  'registration',
];

export function validateExtraClientMetadata(_ctx: KoaContextWithOIDC | undefined, key: string, value: unknown): void {
  if (value === undefined || value === null) return;
  const fail = (message: string) => {
    throw new errors.InvalidClientMetadata(`${key} ${message}`);
  };
  switch (key) {
    case 'first_party':
    case 'internal':
    case 'disabled':
      if (typeof value !== 'boolean') fail('must be a boolean');
      break;
    case 'client_kind':
      if (!['web', 'native', 'spa', 'service'].includes(value as string)) fail('must be web, native, spa or service');
      break;
    case 'min_acr':
      if (!(ACR_VALUES as unknown[]).includes(value)) fail(`must be one of ${ACR_VALUES.join(', ')}`);
      break;
    case 'admin_role':
      if (value !== 'viewer' && value !== 'editor') fail('must be viewer or editor');
      break;
    case 'registration':
      if (value !== 'dynamic') fail('must be dynamic');
      break;
    case 'access_token_ttl':
    case 'refresh_token_ttl':
      if (!Number.isInteger(value) || (value as number) <= 0) fail('must be a positive whole number of seconds');
      break;
    default:
  }
}

type Extra = {
  first_party?: boolean;
  internal?: boolean;
  min_acr?: string;
  admin_role?: 'viewer' | 'editor';
  access_token_ttl?: number;
  refresh_token_ttl?: number;
};
const extra = (client: Client | undefined) => (client ?? {}) as unknown as Extra;

export const isFirstParty = (client: Client) => extra(client).first_party === true;
export const isInternal = (client: Client | undefined) => extra(client).internal === true;
export const minAcrOf = (client: Client | undefined) => extra(client).min_acr;
export const adminRoleOf = (client: Client | undefined) => extra(client).admin_role;
export const accessTokenTtlOf = (client: Client | undefined) => extra(client).access_token_ttl;
export const refreshTokenTtlOf = (client: Client | undefined) => extra(client).refresh_token_ttl;
