/**
 * Relying applications, as an admin thinks of them:
 * - web: a confidential server-side app (client_secret_basic or private_key_jwt);
 * - native: a public mobile or desktop app, PKCE only (RFC 8252 redirect URIs);
 * - spa: a public browser app, PKCE only;
 * - service: a machine client of the admin API (client credentials), with a role.
 */
export const CLIENT_KINDS = ['web', 'native', 'spa', 'service'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

/**
 * The scopes a member's app may ask for, with the claims each releases (userinfo; the ID token
 * carries sub, acr, amr and auth_time). The one list the provider, the consent page, the admin
 * console and the registration rules share.
 */
export const MEMBER_SCOPE_CLAIMS = {
  openid: ['sub', 'acr', 'amr', 'auth_time'],
  profile: ['name', 'family_name', 'given_name', 'locale'],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
  membership: ['membership_number'],
  offline_access: [],
} as const satisfies Record<string, readonly string[]>;
export type MemberScope = keyof typeof MEMBER_SCOPE_CLAIMS;
export const MEMBER_SCOPES = Object.keys(MEMBER_SCOPE_CLAIMS) as [MemberScope, ...MemberScope[]];

/** The admin API's scopes, by the role of whoever holds the token. */
export const ADMIN_SCOPES = { viewer: 'admin:read', editor: 'admin:read admin:write' } as const;

/**
 * The provider's own consoles, registered by the provider itself as first-party clients: My
 * account (members) and the admin console (staff, who sign in to nothing else).
 */
export const INTERNAL_CLIENT_IDS = { account: 'jmb-account', admin: 'jmb-admin' } as const;
export const isAdminConsole = (client: { clientId: string } | undefined) =>
  client?.clientId === INTERNAL_CLIENT_IDS.admin;
