import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { NewClient } from '../../clients/metadata.js';
import type { AppContext } from '../../context.js';
import { FieldError } from '../../errors.js';
import { jsonBody } from '../../http/body.js';
import { REGISTRATION_POLICY } from '../../oidc/registration.js';
import { createMemberActions } from '../member-actions.js';
import { type AdminPrincipal, type AdminScope, ApiAuthError, authenticate, requireScope } from './auth.js';
import { openApiDocument } from './openapi.js';

/**
 * The admin API (JSON, OAuth bearer tokens; described at /api/admin/openapi.json). Errors are
 * OAuth-style: { error, error_description } plus the offending field where there is one.
 */
const snake = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const clientRoute = (ctx: Context) => ctx.path.startsWith('/api/admin/clients');

/** The API's snake_case client fields → the library's input. */
function clientInput(body: Record<string, unknown>): Partial<NewClient> {
  const map: Record<string, keyof NewClient> = {
    client_id: 'clientId',
    name: 'name',
    kind: 'kind',
    token_endpoint_auth_method: 'tokenEndpointAuthMethod',
    jwks_uri: 'jwksUri',
    jwks: 'jwks',
    redirect_uris: 'redirectUris',
    post_logout_redirect_uris: 'postLogoutRedirectUris',
    backchannel_logout_uri: 'backchannelLogoutUri',
    backchannel_logout_session_required: 'backchannelLogoutSessionRequired',
    scopes: 'scopes',
    grant_types: 'grantTypes',
    first_party: 'firstParty',
    min_acr: 'minAcr',
    access_token_ttl: 'accessTokenTtl',
    refresh_token_ttl: 'refreshTokenTtl',
    id_token_signed_response_alg: 'idTokenSigningAlg',
    admin_role: 'adminRole',
  };
  // Own keys only: "constructor" or "toString" are no client fields.
  const unknown = Object.keys(body).filter((key) => !Object.hasOwn(map, key));
  if (unknown.length) throw new FieldError(unknown[0]!, 'is not a client field');
  return Object.fromEntries(Object.entries(body).map(([key, value]) => [map[key]!, value])) as Partial<NewClient>;
}

const auditQuery = z.object({
  member_id: z.string().max(64).optional(),
  client_id: z.string().max(64).optional(),
  type: z
    .string()
    .regex(/^[a-z_.]{1,64}$/)
    .optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  before: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const iatBody = z.object({
  expires_in: z
    .number()
    .int()
    .min(60)
    .max(30 * 86400)
    .default(86400),
});

export function registerAdminApi(router: Router, app: AppContext): void {
  const json = jsonBody();
  const actions = createMemberActions(app);

  /** Authenticates, checks the scope, parses the body, and turns failures into OAuth-style JSON. */
  const api =
    (scope: AdminScope, handler: (ctx: Context, principal: AdminPrincipal) => Promise<void>): Middleware =>
    async (ctx) => {
      ctx.state.api = true;
      ctx.set('Cache-Control', 'no-store');
      try {
        const principal = await authenticate(ctx, app);
        requireScope(principal, scope);
        if (ctx.method !== 'GET' && ctx.method !== 'DELETE') await json(ctx, async () => {});
        await handler(ctx, principal);
      } catch (error) {
        if (error instanceof ApiAuthError) {
          ctx.status = error.status;
          ctx.set(
            'WWW-Authenticate',
            `Bearer realm="admin", error="${error.error}", error_description="${error.message}"`,
          );
          ctx.body = { error: error.error, error_description: error.message };
          return;
        }
        if (error instanceof FieldError) {
          // Client metadata problems carry RFC 7591's error code; anything else is a bad request.
          const field = snake(error.field);
          ctx.status = error.status;
          ctx.body = {
            error: clientRoute(ctx) ? 'invalid_client_metadata' : 'invalid_request',
            error_description: `${field}: ${error.problem}`,
            field,
          };
          return;
        }
        throw error;
      }
    };
  const notFound = (ctx: Context, what: string) => {
    ctx.status = 404;
    ctx.body = { error: 'not_found', error_description: `${what} not found` };
  };
  const body = (ctx: Context) => (ctx.request.body ?? {}) as Record<string, unknown>;

  router.get('/api/admin/openapi.json', async (ctx) => {
    ctx.body = openApiDocument(app.config.issuer);
  });

  // Client applications
  router.get(
    '/api/admin/clients',
    api('admin:read', async (ctx) => {
      ctx.body = { clients: await app.clients.list() };
    }),
  );

  router.post(
    '/api/admin/clients',
    api('admin:write', async (ctx, principal) => {
      const created = await app.clients.create(clientInput(body(ctx)) as NewClient);
      await app.audit.record({
        type: 'client.created',
        outcome: 'success',
        clientId: created.clientId,
        actor: principal.actor,
        detail: { name: created.view.name, kind: created.view.kind },
      });
      ctx.status = 201;
      // The secret is in this response only: it is stored as a keyed hash.
      ctx.body = { ...created.view, ...(created.clientSecret ? { client_secret: created.clientSecret } : {}) };
    }),
  );

  router.get(
    '/api/admin/clients/:id',
    api('admin:read', async (ctx) => {
      const client = await app.clients.get(String(ctx.params.id));
      if (!client) return notFound(ctx, 'client');
      ctx.body = client;
    }),
  );

  router.patch(
    '/api/admin/clients/:id',
    api('admin:write', async (ctx, principal) => {
      const changes = clientInput(body(ctx));
      if ('clientId' in changes || 'kind' in changes)
        throw new FieldError(changes.clientId ? 'clientId' : 'kind', 'cannot be changed');
      const updated = await app.clients.update(String(ctx.params.id), changes);
      if (!updated) return notFound(ctx, 'client');
      await app.audit.record({
        type: 'client.changed',
        outcome: 'success',
        clientId: updated.client_id,
        actor: principal.actor,
        detail: { fields: Object.keys(body(ctx)) },
      });
      ctx.body = updated;
    }),
  );

  for (const [path, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    router.post(
      `/api/admin/clients/:id/${path}`,
      api('admin:write', async (ctx, principal) => {
        const updated = await app.clients.setDisabled(String(ctx.params.id), disabled);
        if (!updated) return notFound(ctx, 'client');
        await app.audit.record({
          type: disabled ? 'client.disabled' : 'client.enabled',
          outcome: 'success',
          clientId: updated.client_id,
          actor: principal.actor,
        });
        ctx.body = updated;
      }),
    );
  }

  router.post(
    '/api/admin/clients/:id/secret',
    api('admin:write', async (ctx, principal) => {
      const rotated = await app.clients.rotateSecret(String(ctx.params.id));
      if (!rotated) return notFound(ctx, 'client');
      await app.audit.record({
        type: 'client.secret_rotated',
        outcome: 'success',
        clientId: rotated.view.client_id,
        actor: principal.actor,
      });
      ctx.body = { ...rotated.view, client_secret: rotated.clientSecret };
    }),
  );

  router.delete(
    '/api/admin/clients/:id',
    api('admin:write', async (ctx, principal) => {
      const id = String(ctx.params.id);
      if (!(await app.clients.remove(id))) return notFound(ctx, 'client');
      await app.audit.record({ type: 'client.deleted', outcome: 'success', clientId: id, actor: principal.actor });
      ctx.status = 204;
    }),
  );

  // Initial access tokens for dynamic registration (RFC 7591)
  router.post(
    '/api/admin/initial-access-tokens',
    api('admin:write', async (ctx, principal) => {
      const parsed = iatBody.safeParse(body(ctx));
      if (!parsed.success) throw new FieldError('expires_in', 'must be between 60 seconds and 30 days');
      const token = new app.provider.InitialAccessToken({
        expiresIn: parsed.data.expires_in,
        policies: [REGISTRATION_POLICY],
      });
      const value = await token.save();
      await app.audit.record({
        type: 'client.registration_token_issued',
        outcome: 'success',
        actor: principal.actor,
        detail: { expiresIn: parsed.data.expires_in },
      });
      ctx.status = 201;
      ctx.body = {
        initial_access_token: value,
        expires_at: new Date(Date.now() + parsed.data.expires_in * 1000).toISOString(),
        registration_endpoint: `${app.config.issuer}/reg`,
      };
    }),
  );

  // Members
  router.get(
    '/api/admin/members',
    api('admin:read', async (ctx) => {
      const member = await actions.find(ctx.query.membership_number);
      ctx.body = { members: member ? [member] : [] };
    }),
  );

  router.get(
    '/api/admin/members/:id',
    api('admin:read', async (ctx) => {
      const member = await actions.get(String(ctx.params.id));
      if (!member) return notFound(ctx, 'member');
      ctx.body = member;
    }),
  );

  // What staff do to one member: POST /api/admin/members/:id/<action>, answered with the result.
  const memberActions: Record<string, (id: string, actor: string) => Promise<object | null>> = {
    lock: (id, actor) => actions.setLocked(id, true, actor),
    unlock: (id, actor) => actions.setLocked(id, false, actor),
    'sessions/revoke': (id, actor) => actions.endAllSessions(id, actor),
    'recovery-link': (id, actor) => actions.sendRecoveryLink(id, actor),
  };
  for (const [path, act] of Object.entries(memberActions)) {
    router.post(
      `/api/admin/members/:id/${path}`,
      api('admin:write', async (ctx, principal) => {
        const result = await act(String(ctx.params.id), principal.actor);
        if (!result) return notFound(ctx, 'member');
        ctx.body = result;
      }),
    );
  }

  router.delete(
    '/api/admin/members/:id/passkeys/:credentialId',
    api('admin:write', async (ctx, principal) => {
      if (!(await actions.revokePasskey(String(ctx.params.id), String(ctx.params.credentialId), principal.actor)))
        return notFound(ctx, 'passkey');
      ctx.status = 204;
    }),
  );

  router.patch(
    '/api/admin/members/:id/contact',
    api('admin:write', async (ctx, principal) => {
      const input = body(ctx);
      const extra = Object.keys(input).find((key) => key !== 'email' && key !== 'phone');
      if (extra) throw new FieldError(extra, 'is not a contact field (email, phone)');
      const member = await actions.changeContact(String(ctx.params.id), input, principal.actor);
      if (!member) return notFound(ctx, 'member');
      ctx.body = member;
    }),
  );

  // Audit trail
  router.get(
    '/api/admin/audit',
    api('admin:read', async (ctx) => {
      const parsed = auditQuery.safeParse(ctx.query);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new FieldError(String(issue.path[0]), issue.message);
      }
      const q = parsed.data;
      const page = await app.audit.query({
        memberId: q.member_id,
        clientId: q.client_id,
        type: q.type,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
        before: q.before ? new Date(q.before) : undefined,
        limit: q.limit,
      });
      ctx.body = {
        events: page.events.map(({ _id, ...event }) => ({ id: _id, ...event, at: event.at.toISOString() })),
        next_before: page.nextBefore?.toISOString() ?? null,
      };
    }),
  );
}
