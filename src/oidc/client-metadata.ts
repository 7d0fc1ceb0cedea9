import { errors, type Client, type KoaContextWithOIDC } from 'oidc-provider';

/**
 * Client metadata of ours, beside the standard registration metadata:
 * - first_party: the airline's own app; the member is not asked for consent.
 * - internal: one of the provider's own consoles (My account), registered by the provider itself.
 */
export const CLIENT_METADATA_PROPERTIES = ['first_party', 'internal'];

export function validateExtraClientMetadata(_ctx: KoaContextWithOIDC | undefined, key: string, value: unknown): void {
  if ((key === 'first_party' || key === 'internal') && value !== undefined && typeof value !== 'boolean') {
    throw new errors.InvalidClientMetadata(`${key} must be a boolean`);
  }
}

export function isFirstParty(client: Client): boolean {
  return (client as unknown as { first_party?: boolean }).first_party === true;
}
