import { adminApiResource } from '../../src/oidc/provider.js';
import type { TestApp } from './app.js';
import { oidc } from './rp.js';

/**
 * A token for the admin API from a new service client of `role` (client credentials), as an
 * operator's script would get one.
 */
export async function serviceToken(
  app: TestApp,
  role: 'viewer' | 'editor',
  scope = 'admin:read admin:write',
): Promise<string> {
  const created = await app.context.clients.create({ name: `${role} service`, kind: 'service', adminRole: role });
  const config = await oidc.discovery(
    new URL(app.issuer),
    created.clientId,
    undefined,
    oidc.ClientSecretBasic(created.clientSecret!),
    {
      execute: [oidc.allowInsecureRequests],
    },
  );
  const tokens = await oidc.clientCredentialsGrant(config, { scope, resource: adminApiResource(app.issuer) });
  return tokens.access_token;
}
