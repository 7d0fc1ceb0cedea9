import { join } from 'node:path';
import Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import mount from 'koa-mount';
import serve from 'koa-static';
import type { Connection } from 'mongoose';
import { registerAccountRoutes } from './account/index.js';
import { registerAdminApi } from './admin/api/routes.js';
import { registerAdminConsole } from './admin/console/index.js';
import { adminAsOwner, createAdminLibrary } from './admins/library.js';
import { createAdminModels } from './admins/model.js';
import { createAuditLibrary } from './audit/library.js';
import { createAuditModel } from './audit/model.js';
import { stdoutSink } from './audit/outbound.js';
import { trackRequestOrigin } from './audit/request-context.js';
import { webhookSink } from './audit/webhook.js';
import { createBrowsersLibrary } from './browsers/library.js';
import { createKnownBrowserModel } from './browsers/model.js';
import { createClientsLibrary } from './clients/library.js';
import type { Clock } from './clock.js';
import type { Config, Secrets } from './config.js';
import { consoleRelyingParties } from './console/clients.js';
import { createConsoleSessionModel, createConsoleSessions } from './console/sessions.js';
import type { AppContext } from './context.js';
import { isDatabaseReachable, observeCommands } from './db/connection.js';
import { withRequestCache } from './db/request-cache.js';
import { sharedCache } from './db/shared-cache.js';
import { registerOutboxRoutes } from './dev/outbox-routes.js';
import { clientAddress } from './http/client-address.js';
import { errorHandler } from './http/error-handler.js';
import { measureRequests } from './http/metrics.js';
import { providerOutages } from './http/provider-outages.js';
import * as providerPages from './http/provider-pages.js';
import { pages, setLocale } from './http/render.js';
import { securityHeaders, setSecurityHeaders } from './http/security-headers.js';
import { negotiateLocale } from './i18n/index.js';
import { registerInteractionRoutes } from './interaction/index.js';
import { createRateLimiter } from './limits/library.js';
import { createRateLimitModel } from './limits/model.js';
import type { Logger } from './log.js';
import { createMembersLibrary } from './members/library.js';
import { createMemberModel, type Member } from './members/model.js';
import { createMessenger } from './messaging/messenger.js';
import { createNotices } from './notices/library.js';
import { createMetrics } from './observability/metrics.js';
import { ensureOidcIndexes } from './oidc/adapter.js';
import { installBackchannelLogout } from './oidc/backchannel.js';
import { createClientStore } from './oidc/client-store.js';
import { watchProvider } from './oidc/events.js';
import { countTokens } from './oidc/metrics.js';
import { protocolEndpoints } from './oidc/protocol.js';
import { createProvider } from './oidc/provider.js';
import { createProviderRecords } from './oidc/records.js';
import { createMemberSessions } from './oidc/sessions.js';
import { createSignIns } from './oidc/sign-ins.js';
import { createOtpLibrary } from './otp/library.js';
import { createOtpModel } from './otp/model.js';
import { createSmsGuard } from './otp/sms-guard.js';
import { createPasskeyLibrary, memberAsOwner } from './passkeys/library.js';
import { createPasskeyModels } from './passkeys/model.js';
import { projectRoot, publicDir } from './paths.js';
import { createRecoveryLibrary } from './recovery/library.js';
import { createRecoveryModels } from './recovery/model.js';
import { createCookieSigner } from './security/cookie-signer.js';
import { createHmacs } from './security/hmac.js';
import { registerSiteRoutes } from './site/routes.js';

export interface AppParts {
  config: Config;
  secrets: Secrets;
  connection: Connection;
  logger: Logger;
  clock: Clock;
}

/**
 * The composition root: each model is created here and handed to its own library only; routes
 * get the libraries. Creates the indexes they need. Writes nothing else: the server registers
 * its consoles' clients itself (console/clients.ts), commands never do.
 */
export async function createAppContext(parts: AppParts): Promise<AppContext> {
  const { config, secrets, connection, logger, clock } = parts;
  const models = {
    members: createMemberModel(connection),
    codes: createOtpModel(connection),
    audit: createAuditModel(connection),
    consoleSessions: createConsoleSessionModel(connection),
    rateLimits: createRateLimitModel(connection),
    knownBrowsers: createKnownBrowserModel(connection),
    ...createPasskeyModels(connection),
    ...createAdminModels(connection),
    ...createRecoveryModels(connection),
  };
  await Promise.all([...Object.values(models).map((model) => model.createIndexes()), ensureOidcIndexes(connection)]);
  const hmac = createHmacs(secrets.hmacSecret);
  const cookieSigner = createCookieSigner(secrets.cookieKeys);
  const limiter = createRateLimiter(models.rateLimits, clock);
  const metrics = createMetrics(clock);
  observeCommands(connection, metrics.mongoCommand);
  const sinks = [
    ...(config.auditOut.stdout ? [stdoutSink()] : []),
    ...(config.auditOut.webhook ? [webhookSink(config.auditOut.webhook, { logger, metrics, clock })] : []),
  ];
  const audit = createAuditLibrary({
    model: models.audit,
    clock,
    logger,
    retentionDays: config.auditRetentionDays,
    sinks,
  });
  const members = createMembersLibrary({ model: models.members, limiter, hmac, clock, config });
  const messenger = createMessenger(config, clock);
  const notices = createNotices({ messenger, clock, logger });
  const smsRefusals = {
    callingCode: 'sms_calling_code',
    prefix: 'sms_prefix',
    budget: 'sms_budget',
    backoff: 'sms_backoff',
  } as const;
  const smsGuard = createSmsGuard({
    limiter,
    hmac,
    clock,
    config,
    logger,
    onEvent: (event) => {
      if (event.type === 'refused') metrics.refused(smsRefusals[event.reason]);
    },
  });
  metrics.smsBudgets(() => smsGuard.budgets());
  const browsers = createBrowsersLibrary({
    model: models.knownBrowsers,
    hmac,
    clock,
    perMember: config.sessions.knownBrowsersPerMember,
  });
  const otp = createOtpLibrary({
    model: models.codes,
    limiter,
    hmac,
    clock,
    config,
    messenger,
    logger,
    audit,
    metrics,
    smsGuard,
  });
  const asOwner = (member: Member | null) => (member ? memberAsOwner(member) : null);
  const passkeys = createPasskeyLibrary({
    realm: 'member',
    passkeys: models.passkeys,
    challenges: models.challenges,
    findOwner: async (id) => asOwner(await members.findById(id)),
    findOwnerByNumber: async (number) => asOwner(await members.findByMembershipNumber(number)),
    config,
    clock,
    audit,
    metrics,
  });
  metrics.membersWithPasskey(() => passkeys.countOwners());
  const admins = createAdminLibrary({
    admins: models.admins,
    enrolments: models.adminEnrolments,
    hmac,
    clock,
    issuer: config.issuer,
  });
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
    audit,
    metrics,
  });
  const clientCache = sharedCache(connection, 'clients', { keepMs: 60_000, maxEntries: 10_000 });
  const signIns = createSignIns({ connection, clock, config });
  const provider = createProvider({
    config,
    secrets,
    connection,
    clock,
    logger,
    members,
    admins,
    hmac,
    cookieSigner,
    clientCache,
    signIns,
    pages: providerPages,
  });
  const consoleSessions = createConsoleSessions(models.consoleSessions, clock);
  // The consoles are relying apps too: a back-channel logout for them ends their console sessions.
  const consoleLogout = (accountId: string, sid?: string) => consoleSessions.destroyAllOf(accountId, sid);
  const backchannel = installBackchannelLogout(provider, {
    settings: config.backchannelLogout,
    audit,
    logger,
    consoleLogout,
  });
  const memberSessions = createMemberSessions({ connection, provider, clock, signIns, consoleLogout });
  const providerRecords = createProviderRecords(connection, memberSessions);
  const clients = createClientsLibrary({
    store: createClientStore({ connection, provider, hmac, cache: clientCache }),
    revokeAll: providerRecords.revokeClient,
    hmac,
    config,
  });
  watchProvider(provider, { audit, logger, records: providerRecords });
  countTokens(provider, metrics);
  const runtime: AppContext['runtime'] = {};
  const rps = consoleRelyingParties(config, clients, () => runtime.localUrl);
  const consoles = {
    sessions: consoleSessions,
    accountRp: rps.account,
    adminRp: rps.admin,
  };
  /** Every provider session (its apps told), grant and token of a member, and every My account session. */
  const signOutEverywhere = (memberId: string) => providerRecords.endAccount(memberId);
  const recovery = createRecoveryLibrary({
    recoveries: models.recoveries,
    links: models.recoveryLinks,
    members,
    otp,
    limiter,
    notices,
    audit,
    hmac,
    clock,
    config,
    logger,
    metrics,
    issuer: config.issuer,
    signOutEverywhere,
  });
  const context: AppContext = {
    config,
    secrets,
    logger,
    clock,
    metrics,
    hmac,
    cookieSigner,
    limiter,
    databaseReachable: () => isDatabaseReachable(connection),
    members,
    audit,
    messenger,
    notices,
    browsers,
    otp,
    smsGuard,
    passkeys,
    admins,
    adminPasskeys,
    clients,
    consoles,
    runtime,
    provider,
    providerRecords,
    signOutEverywhere,
    recovery,
    memberSessions,
    backchannel,
    protocolEndpoints: protocolEndpoints(provider, { connection, hmac, signIns }),
  };
  return context;
}

/** oidc-provider's endpoints for machines (its pages, /auth and /session/end, are not among them). */
const PROTOCOL_API =
  /^\/(?:token(?:\/introspection|\/revocation)?|me|jwks|request|reg(?:\/[^/]+)?|\.well-known\/openid-configuration)$/;

/** The HTTP application: our pages and routes first, oidc-provider's protocol endpoints last. */
export function createApp(context: AppContext): Koa {
  const { config, logger } = context;
  // The provider runs on this app's context (mounted at /), so both must sign cookies alike.
  // Koa reads X-Forwarded-Proto/Host only after clientAddress has kept what trusted proxies wrote.
  const app = new Koa({ proxy: config.trustProxy.kind !== 'none' });
  app.keys = context.cookieSigner;
  app.silent = true;

  app.use(clientAddress(config.trustProxy));
  // While draining (SIGTERM), every answer closes its connection, also for requests that came in
  // before: no client reuses a kept-alive connection that the server is about to close under it.
  app.use(async (ctx, next) => {
    try {
      await next();
    } finally {
      if (context.runtime.draining) ctx.set('Connection', 'close');
    }
  });
  app.use(measureRequests(context.metrics));
  app.use((_ctx, next) => withRequestCache(next));
  app.use(trackRequestOrigin(context.hmac.digest('internal-client', 'console-origin')));

  // The protocol's JSON endpoints (/token, /me, introspection, /jwks, discovery, /reg) answer
  // machines, not people: they skip the pages' middleware (templates, the language of pages, our
  // routes) and go straight to oidc-provider, behind the same headers and error handling.
  const outages = providerOutages(context.provider, logger);
  const failures = errorHandler(logger);
  const hsts = { hsts: config.secureCookies };
  const protocol: Middleware = (ctx, next) =>
    failures(ctx, () => outages(ctx, () => context.protocolEndpoints(ctx, next)));
  app.use((ctx, next) => {
    if (!PROTOCOL_API.test(ctx.path)) return next();
    setSecurityHeaders(ctx, { ...hsts, document: false });
    setLocale(ctx, negotiateLocale({ acceptLanguage: ctx.get('accept-language') }));
    ctx.state.api = true;
    return protocol(ctx, next);
  });

  app.use(securityHeaders(hsts));
  const staticOptions = { maxage: config.env === 'production' ? 3600_000 : 0, gzip: false, brotli: false };
  app.use(mount('/static', serve(publicDir, staticOptions)));
  // The browser half of SimpleWebAuthn, as the ES modules it ships (no bundler needed).
  app.use(
    mount(
      '/static/vendor/simplewebauthn',
      serve(join(projectRoot, 'node_modules/@simplewebauthn/browser/esm'), staticOptions),
    ),
  );
  for (const middleware of pages({ cache: config.env === 'production' })) app.use(middleware);
  app.use(failures);

  const router = new Router();
  registerSiteRoutes(router, context);
  registerInteractionRoutes(router, context);
  registerAccountRoutes(router, context);
  registerAdminApi(router, context);
  registerAdminConsole(router, context);
  registerOutboxRoutes(router, context);
  app.use(router.routes());
  app.use(outages);
  app.use(context.protocolEndpoints);
  return app;
}
