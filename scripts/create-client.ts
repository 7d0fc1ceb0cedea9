/**
 * Registers a relying app and prints its credentials as JSON (the secret is shown only now).
 *
 *   npm run create-client -- --name "JAL Web" --kind web \
 *     --redirect-uri https://www.example.jp/oidc/callback \
 *     --post-logout-redirect-uri https://www.example.jp/ [--first-party] [--id-token-alg ES256] [--client-id jal-web]
 *     [--backchannel-logout-uri https://www.example.jp/oidc/backchannel-logout [--backchannel-logout-session-required]]
 *
 * --kind web     confidential server-side app (client_secret_basic)
 * --kind native  public mobile/desktop app, PKCE (custom scheme, claimed https or loopback redirects)
 * --kind spa     public browser app, PKCE
 * --kind service machine client of the admin API (client credentials), with --admin-role viewer|editor
 */
import { type CommandIo, commandOptions, runAsEntryPoint, UsageError } from './lib/context.js';

export async function createClientCommand(argv: string[], io: CommandIo): Promise<void> {
  const values = commandOptions(argv, {
    name: { type: 'string' },
    kind: { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'post-logout-redirect-uri': { type: 'string', multiple: true },
    'backchannel-logout-uri': { type: 'string' },
    'backchannel-logout-session-required': { type: 'boolean', default: false },
    'first-party': { type: 'boolean', default: false },
    'id-token-alg': { type: 'string' },
    'client-id': { type: 'string' },
    scope: { type: 'string' },
    'admin-role': { type: 'string' },
  });
  if (!values.name) throw new UsageError('--name is required');
  if (!values.kind) throw new UsageError('--kind is required (web, native or spa)');
  if (values.kind !== 'service' && !values['redirect-uri']?.length)
    throw new UsageError('--redirect-uri is required (repeat it for several)');
  const input = {
    name: values.name,
    kind: values.kind as 'web',
    redirectUris: values['redirect-uri'] ?? [],
    postLogoutRedirectUris: values['post-logout-redirect-uri'] ?? [],
    backchannelLogoutUri: values['backchannel-logout-uri'],
    backchannelLogoutSessionRequired: values['backchannel-logout-session-required'],
    firstParty: values['first-party'],
    idTokenSigningAlg: values['id-token-alg'] as 'RS256' | undefined,
    clientId: values['client-id'],
    scope: values.scope,
    adminRole: values['admin-role'] as 'viewer' | undefined,
  };
  await io.withApp(async (app) => {
    const created = await app.clients.create(input);
    await app.audit.record({
      type: 'client.created',
      outcome: 'success',
      clientId: created.clientId,
      actor: 'command',
      detail: { name: input.name, kind: input.kind },
    });
    const m = created.metadata;
    io.stdout(
      `${JSON.stringify(
        {
          issuer: app.config.issuer,
          client_id: created.clientId,
          ...(created.clientSecret ? { client_secret: created.clientSecret } : {}),
          client_name: m.client_name,
          kind: values.kind,
          token_endpoint_auth_method: m.token_endpoint_auth_method,
          redirect_uris: m.redirect_uris,
          post_logout_redirect_uris: m.post_logout_redirect_uris,
          ...(m.backchannel_logout_uri
            ? {
                backchannel_logout_uri: m.backchannel_logout_uri,
                backchannel_logout_session_required: m.backchannel_logout_session_required,
              }
            : {}),
          id_token_signed_response_alg: m.id_token_signed_response_alg,
          first_party: m.first_party,
          ...(m.admin_role ? { admin_role: m.admin_role, admin_api: `${app.config.issuer}/api/admin` } : {}),
          discovery: `${app.config.issuer}/.well-known/openid-configuration`,
        },
        null,
        2,
      )}\n`,
    );
  });
}

runAsEntryPoint(import.meta.url, createClientCommand);
