/**
 * Where client registrations are kept. The provider module implements it on oidc-provider's own
 * client collection and validation (oidc/client-store.ts), so this module never reaches into the
 * provider's records itself.
 */
export interface ClientStore {
  /** The stored metadata, disabled or not (the provider itself does not see disabled apps). */
  find(clientId: string): Promise<Record<string, unknown> | null>;
  list(): Promise<Array<Record<string, unknown>>>;
  /**
   * Validates the metadata with the provider's rules (a FieldError names what is wrong), then
   * stores it; a plaintext client_secret is replaced by its keyed hash on the way in. With
   * `create`, only when the id is still free: false when it was taken.
   */
  save(metadata: Record<string, unknown>, options: { create: boolean }): Promise<boolean>;
  setDisabled(clientId: string, disabled: boolean): Promise<void>;
  remove(clientId: string): Promise<void>;
}
