import type { Connection } from 'mongoose';
import { oidcModel } from './adapter.js';
import type { MemberSessions } from './sessions.js';

/**
 * Removing what oidc-provider has stored, in one place: revocation when an app is disabled or
 * deleted, and ending a member's sessions (a lock, an admin's "end all sessions"). The provider
 * itself offers revocation only one grant or token at a time.
 */

/** Every kind of record a client's grants leave behind. */
const CLIENT_RECORDS = [
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'ClientCredentials',
  'Grant',
] as const;
/** Every kind of record a signed-in account leaves behind. */
const ACCOUNT_RECORDS = ['Grant', 'AccessToken', 'RefreshToken', 'AuthorizationCode'] as const;

export interface ProviderRecords {
  /** Revokes every grant, code and token issued to a client. */
  revokeClient(clientId: string): Promise<void>;
  /**
   * Ends everything of an account: every provider session (each app of each session is sent a
   * back-channel logout token), every console session, every grant and token; how many sessions.
   */
  endAccount(accountId: string): Promise<number>;
}

export function createProviderRecords(connection: Connection, sessions: MemberSessions): ProviderRecords {
  return {
    async revokeClient(clientId) {
      for (const name of CLIENT_RECORDS) await oidcModel(connection, name).deleteMany({ 'payload.clientId': clientId });
    },
    async endAccount(accountId) {
      const ended = await sessions.endAll(accountId);
      for (const name of ACCOUNT_RECORDS)
        await oidcModel(connection, name).deleteMany({ 'payload.accountId': accountId });
      return ended;
    },
  };
}
