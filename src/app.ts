import Router from '@koa/router';
import Koa from 'koa';
import mount from 'koa-mount';
import serve from 'koa-static';
import type { Connection } from 'mongoose';
import type { Clock } from './clock.js';
import { registerAdminApi } from './admin/api/routes.js';
import { registerAdminConsole } from './admin/console/index.js';
import { adminAsOwner, createAdminLibrary } from './admin/library.js';
import { createAdminModels } from './admin/model.js';
import { createAuditModel } from './audit/model.js';
import { createAuditRecorder } from './audit/recorder.js';
import { trackRequestOrigin } from './audit/request-context.js';
import { ACCOUNT_CLIENT_ID, registerAccountRoutes } from './account/index.js';
import { createClientsLibrary } from './clients/library.js';
import { createConsoleRelyingParty } from './console/relying-party.js';
import { createConsoleSessionModel, createConsoleSessions } from './console/sessions.js';
import { registerOutboxRoutes } from './dev/outbox-routes.js';
import type { Config, Secrets } from './config.js';
import type { AppContext } from './context.js';
import { errorHandler } from './http/error-handler.js';
import { createRateLimitModel, createRateLimiter } from './http/rate-limit.js';
import { pages } from './http/render.js';
import { securityHeaders } from './http/security-headers.js';
import { registerInteractionRoutes } from './interaction/index.js';
import type { Logger } from './log.js';
import { createMembersLibrary } from './members/library.js';
import { createMemberModel } from './members/model.js';
import { createMessenger } from './messaging/messenger.js';
import { createOtpLibrary } from './otp/library.js';
import { createOtpModel } from './otp/model.js';
import { createPasskeyLibrary, memberAsOwner } from './passkeys/library.js';
import type { Member } from './members/model.js';
import { createPasskeyModels } from './passkeys/model.js';
import { ensureOidcIndexes } from './oidc/adapter.js';
import { ACR } from './oidc/acr.js';
import { ADMIN_CONSOLE_CLIENT_ID } from './oidc/policy.js';
import { createProvider } from './oidc/provider.js';
import { registrationSecrets } from './oidc/registration-secrets.js';
import { join } from 'node:path';
import { projectRoot, publicDir } from './paths.js';
import { createHmacs } from './security/hmac.js';
import { registerSiteRoutes } from './site/routes.js';

export interface AppParts {
  config: Config;
  secrets: Secrets;
  connection: Connection;
  logger: Logger;
  clock: Clock;
}

/** Models, libraries and the provider, wired once. Creates the indexes they need. */
export async function createAppContext(parts: AppParts): Promise<AppContext> {
  const { config, secrets, connection, logger, clock } = parts;
  const models = {
    members: createMemberModel(connection),
    codes: createOtpModel(connection),
    audit: createAuditModel(connection),
    consoleSessions: createConsoleSessionModel(connection),
    ...createPasskeyModels(connection),
    ...createAdminModels(connection),
  };
  const rateLimits = createRateLimitModel(connection);
  await Promise.all([...Object.values(models).map((model) => model.createIndexes()), rateLimits.createIndexes(), ensureOidcIndexes(connection)]);
  const hmac = createHmacs(secrets.hmacSecret);
  const limiter = createRateLimiter(rateLimits, clock);
  const audit = createAuditRecorder({ model: models.audit, clock, logger, retentionDays: config.auditRetentionDays });
  const members = createMembersLibrary({ model: models.members, limiter, hmac, clock, config });
  const messenger = createMessenger(config, clock);
  const otp = createOtpLibrary({ model: models.codes, limiter, hmac, clock, config, messenger, logger, audit });
  const asOwner = (member: Member | null) => (member ? memberAsOwner(member) : null);
  const passkeys = createPasskeyLibrary({
    realm: 'member',
    passkeys: models.passkeys,
    challenges: models.challenges,
    findOwner: async (id) => asOwner(await members.findById(id)),
    findOwnerByNumber: async (number) => asOwner(await members.findByMembershipNumber(number)),
    config,
    clock,
    hmac,
    audit,
  });
  const admins = createAdminLibrary({ admins: models.admins, enrolments: models.adminEnrolments, hmac, clock, issuer: config.issuer });
  const adminPasskeys = createPasskeyLibrary({
    realm: 'admin',
    passkeys: models.adminPasskeys,
    challenges: models.challenges,
    findOwner: async (id) => {
      const admin = await admins.findById(id);
      return admin ? adminAsOwner(admin) : null;
    },
    config,
    clock,
    hmac,
    audit,
  });
  const provider = createProvider({ config, secrets, connection, clock, logger, members, admins, hmac });
  const clients = createClientsLibrary({ provider, hmac, connection, config });
  watchProvider(provider, { audit, logger, clients });
  const runtime: AppContext['runtime'] = {};
  /** One of the provider's own consoles: an internal first-party client and its relying party. */
  async function consoleClient(path: '/account' | '/admin', clientId: string, name: string, scope: string, minAcr?: string) {
    const secret = await clients.ensureInternal({
      clientId,
      name,
      redirectUri: `${config.issuer}${path}/callback`,
      postLogoutRedirectUri: `${config.issuer}${path}/signed-out`,
      scope: 'openid',
      minAcr,
    });
    return createConsoleRelyingParty({
      config,
      client: { clientId, secret, callbackPath: `${path}/callback`, postLogoutPath: `${path}/signed-out`, cookiePath: path, scope },
      localUrl: () => runtime.localUrl,
    });
  }
  const accountRp = await consoleClient('/account', ACCOUNT_CLIENT_ID, 'My account', 'openid');
  // The provider itself asks the admin console's sign-ins for the passkey level: nothing else opens it.
  const adminRp = await consoleClient('/admin', ADMIN_CONSOLE_CLIENT_ID, 'Admin console', 'openid admin:read admin:write', ACR.passkey);
  const consoles = { sessions: createConsoleSessions(models.consoleSessions, clock), accountRp, adminRp };
  return { config, secrets, logger, clock, connection, hmac, limiter, models, members, provider, clients, audit, messenger, otp, passkeys, admins, adminPasskeys, consoles, runtime };
}

/**
 * What oidc-provider does on its own that belongs in the audit trail or the log: dynamic
 * registrations (RFC 7591/7592; a deleted registration's grants and tokens are revoked too) and
 * server errors it turned into error responses.
 */
function watchProvider(provider: AppContext['provider'], deps: { audit: AppContext['audit']; logger: Logger; clients: AppContext['clients'] }): void {
  const { audit, logger, clients } = deps;
  const record = (type: string, clientId: string, name?: unknown) =>
    void audit.record({ type, outcome: 'success', clientId, actor: 'dynamic-registration', detail: name ? { name: String(name) } : undefined });
  provider.on('registration_create.success', (_ctx, client) => record('client.created', client.clientId, client.clientName));
  provider.on('registration_update.success', (_ctx, client) => record('client.changed', client.clientId, client.clientName));
  provider.on('registration_delete.success', (_ctx, client) => {
    record('client.deleted', client.clientId);
    clients.revokeAll(client.clientId).catch((error: unknown) => logger.error({ err: error }, 'could not revoke a deleted client’s tokens'));
  });
  provider.on('server_error', (_ctx, error) => logger.error({ err: error }, 'oidc-provider server error'));
}

/** The HTTP application: our pages and routes first, oidc-provider's protocol endpoints last. */
export function createApp(context: AppContext): Koa {
  const { config, logger, provider } = context;
  // The provider runs on this app's context (mounted at /), so both must sign cookies alike.
  const app = new Koa({ keys: context.secrets.cookieKeys, proxy: config.trustProxy });
  app.silent = true;

  app.use(trackRequestOrigin(context.hmac.digest('internal-client', 'console-origin')));
  app.use(securityHeaders({ hsts: config.secureCookies }));
  const staticOptions = { maxage: config.env === 'production' ? 3600_000 : 0, gzip: false, brotli: false };
  app.use(mount('/static', serve(publicDir, staticOptions)));
  // The browser half of SimpleWebAuthn, as the ES modules it ships (no bundler needed).
  app.use(mount('/static/vendor/simplewebauthn', serve(join(projectRoot, 'node_modules/@simplewebauthn/browser/esm'), staticOptions)));
  for (const middleware of pages({ cache: config.env === 'production' })) app.use(middleware);
  app.use(errorHandler(logger));

  const router = new Router();
  registerSiteRoutes(router, context);
  registerInteractionRoutes(router, context);
  registerAccountRoutes(router, context);
  registerAdminApi(router, context);
  registerAdminConsole(router, context);
  registerOutboxRoutes(router, context);
  app.use(router.routes());
  app.use(registrationSecrets(context.connection, context.hmac));
  app.use(mount(provider));
  return app;
}
