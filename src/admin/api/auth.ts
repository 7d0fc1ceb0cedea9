import type { Context } from 'koa';
import type { AppContext } from '../../context.js';
import { adminRoleOf } from '../../oidc/client-metadata.js';
import { adminApiResource } from '../../oidc/provider.js';

/**
 * Who calls the admin API. Only bearer tokens from this provider issued for the admin API are
 * accepted: the console's (an admin signed in with a passkey; scopes by the admin's role) and a
 * service client's (client credentials; scopes by the client's admin role). Member tokens, tokens
 * for other audiences and tokens without the scope are refused.
 */
export type AdminScope = 'admin:read' | 'admin:write';

export interface AdminPrincipal {
  /** For the audit trail: admin:<id> or client:<id>. */
  actor: string;
  kind: 'admin' | 'service';
  scopes: Set<AdminScope>;
}

export class ApiAuthError extends Error {
  constructor(
    readonly status: 401 | 403,
    readonly error: 'invalid_token' | 'insufficient_scope',
    description: string,
  ) {
    super(description);
    this.name = 'ApiAuthError';
  }
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;

export async function authenticate(ctx: Context, app: AppContext): Promise<AdminPrincipal> {
  const match = BEARER.exec(ctx.get('authorization'));
  if (!match) throw new ApiAuthError(401, 'invalid_token', 'a bearer token is required');
  const value = match[1]!;
  const { AccessToken, ClientCredentials } = app.provider;
  const token = (await AccessToken.find(value)) ?? (await ClientCredentials.find(value));
  if (!token) throw new ApiAuthError(401, 'invalid_token', 'the token is unknown, expired or revoked');
  if ((token as unknown as { aud?: unknown }).aud !== adminApiResource(app.config.issuer)) {
    throw new ApiAuthError(401, 'invalid_token', 'the token was not issued for the admin API');
  }
  const granted = new Set(
    (token.scope ?? '').split(' ').filter((s): s is AdminScope => s === 'admin:read' || s === 'admin:write'),
  );
  const accountId = (token as unknown as { accountId?: string }).accountId;
  if (accountId) {
    const admin = await app.admins.findActiveByAccountId(accountId);
    if (!admin) throw new ApiAuthError(403, 'insufficient_scope', 'only admins may use the admin API');
    if (admin.role !== 'editor') granted.delete('admin:write');
    return { actor: `admin:${admin._id}`, kind: 'admin', scopes: granted };
  }
  const client = await app.provider.Client.find(token.clientId ?? '');
  const role = adminRoleOf(client);
  if (!client || !role) throw new ApiAuthError(403, 'insufficient_scope', 'this client may not use the admin API');
  if (role !== 'editor') granted.delete('admin:write');
  return { actor: `client:${client.clientId}`, kind: 'service', scopes: granted };
}

export function requireScope(principal: AdminPrincipal, scope: AdminScope): void {
  if (!principal.scopes.has(scope))
    throw new ApiAuthError(403, 'insufficient_scope', `the token lacks the ${scope} scope`);
}
