import type Router from '@koa/router';
import type { Context } from 'koa';
import { ACR_VALUES } from '../../assurance/acr.js';
import { MEMBER_SCOPES } from '../../clients/kinds.js';
import type { AppContext } from '../../context.js';
import type { ConsoleKit } from './kit.js';
import type { AdminVisit, ApiData } from './visit.js';

/** Console pages for relying applications: list, register, view, edit, and the confirmed changes. */
type Form = Record<string, string | string[] | undefined>;

const lines = (value: unknown) =>
  String(value ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
const list = (value: unknown) => (Array.isArray(value) ? value.map(String) : value ? [String(value)] : []);
const optionalInt = (value: unknown) => (value === undefined || value === '' ? undefined : Number(value));

/** The form's fields as the admin API expects them. */
function apiBody(form: Form, kind: string, creating: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = { name: String(form.name ?? '') };
  if (creating) {
    body.kind = kind;
    if (form.client_id) body.client_id = String(form.client_id);
  }
  if (kind === 'service') {
    body.admin_role = form.admin_role;
    if (form.token_endpoint_auth_method) body.token_endpoint_auth_method = form.token_endpoint_auth_method;
    if (form.jwks_uri) body.jwks_uri = form.jwks_uri;
    return body;
  }
  body.redirect_uris = lines(form.redirect_uris);
  body.post_logout_redirect_uris = lines(form.post_logout_redirect_uris);
  body.backchannel_logout_uri = String(form.backchannel_logout_uri ?? '').trim() || null;
  body.backchannel_logout_session_required = Boolean(form.backchannel_logout_session_required);
  if (kind === 'web') {
    body.token_endpoint_auth_method = form.token_endpoint_auth_method || 'client_secret_basic';
    if (form.jwks_uri) body.jwks_uri = form.jwks_uri;
  }
  body.scopes = list(form.scopes);
  body.grant_types = form.refresh ? ['authorization_code', 'refresh_token'] : ['authorization_code'];
  body.first_party = Boolean(form.first_party);
  if (form.min_acr) body.min_acr = form.min_acr;
  const accessTtl = optionalInt(form.access_token_ttl);
  const refreshTtl = optionalInt(form.refresh_token_ttl);
  if (accessTtl !== undefined) body.access_token_ttl = accessTtl;
  if (refreshTtl !== undefined) body.refresh_token_ttl = refreshTtl;
  body.id_token_signed_response_alg = form.id_token_signed_response_alg || 'RS256';
  return body;
}

export function registerClientPages(router: Router, app: AppContext, kit: ConsoleKit): void {
  const { page, render, redirect, confirm, refused, forms } = kit;
  const ttl = app.config.ttl;

  async function showForm(
    ctx: Context,
    visit: AdminVisit,
    options: { client?: ApiData; values?: Form; error?: string; status?: number },
  ) {
    await render(
      ctx,
      visit,
      'client-form',
      {
        // Not "client": consolidate hands the locals to ejs as options too, and ejs reads that one.
        app: options.client,
        values: options.values,
        error: options.error,
        scopes: MEMBER_SCOPES,
        acrValues: ACR_VALUES,
        bounds: {
          accessMin: ttl.accessTokenMinSeconds,
          accessMax: ttl.accessTokenMaxSeconds,
          refreshMin: ttl.refreshTokenMinSeconds,
          refreshMax: ttl.refreshTokenMaxSeconds,
        },
      },
      options.status,
    );
  }

  router.get(
    '/admin/clients',
    page(async (ctx, visit) => {
      const result = await visit.api('GET', '/clients');
      const { initialAccessToken, registrationEndpoint, ...rest } = visit.session.pending ?? {};
      if (initialAccessToken) await app.consoles.sessions.update(visit.session._id, { pending: rest });
      await render(ctx, visit, 'clients', {
        clients: result.data.clients ?? [],
        initialAccessToken,
        registrationEndpoint,
      });
    }),
  );

  router.get(
    '/admin/clients/new',
    page(async (ctx, visit) => {
      await showForm(ctx, visit, {});
    }),
  );

  router.post(
    '/admin/clients',
    forms,
    page(async (ctx, visit) => {
      const form = (ctx.request.body ?? {}) as Form;
      const kind = String(form.kind ?? '');
      const result = await visit.api('POST', '/clients', apiBody(form, kind, true));
      if (result.status === 201) {
        const secret: Record<string, string> = result.data.client_secret
          ? { clientSecret: result.data.client_secret }
          : {};
        return redirect(
          ctx,
          visit,
          `/admin/clients/${encodeURIComponent(result.data.client_id)}`,
          'admin.clients.created',
          secret,
        );
      }
      if (result.status === 403) return refused(ctx, visit, result, '/admin/clients');
      await showForm(ctx, visit, {
        values: form,
        error: String(result.data.error_description ?? result.data.error),
        status: result.status,
      });
    }),
  );

  router.get(
    '/admin/clients/registration-token',
    page(async (ctx, visit) => {
      const t = ctx.state.t;
      await confirm(ctx, visit, {
        title: t('admin.clients.iat'),
        message: t('admin.clients.iatConfirm'),
        action: '/admin/clients/registration-token',
        back: '/admin/clients',
      });
    }),
  );

  router.post(
    '/admin/clients/registration-token',
    forms,
    page(async (ctx, visit) => {
      const result = await visit.api('POST', '/initial-access-tokens', { expires_in: 86400 });
      if (result.status !== 201) return refused(ctx, visit, result, '/admin/clients');
      await redirect(ctx, visit, '/admin/clients', 'admin.clients.iat', {
        initialAccessToken: result.data.initial_access_token,
        registrationEndpoint: result.data.registration_endpoint,
      });
    }),
  );

  router.get(
    '/admin/clients/:id',
    page(async (ctx, visit) => {
      const result = await visit.api('GET', `/clients/${encodeURIComponent(ctx.params.id!)}`);
      if (result.status !== 200) return refused(ctx, visit, result, '/admin/clients');
      // A secret from the previous step (create or rotate) is shown this once, then forgotten.
      const { clientSecret, ...rest } = visit.session.pending ?? {};
      if (clientSecret) await app.consoles.sessions.update(visit.session._id, { pending: rest });
      await render(ctx, visit, 'client', { app: result.data, clientSecret });
    }),
  );

  router.get(
    '/admin/clients/:id/edit',
    page(async (ctx, visit) => {
      const result = await visit.api('GET', `/clients/${encodeURIComponent(ctx.params.id!)}`);
      if (result.status !== 200) return refused(ctx, visit, result, '/admin/clients');
      await showForm(ctx, visit, { client: result.data });
    }),
  );

  router.post(
    '/admin/clients/:id',
    forms,
    page(async (ctx, visit) => {
      const id = encodeURIComponent(ctx.params.id!);
      const current = await visit.api('GET', `/clients/${id}`);
      if (current.status !== 200) return refused(ctx, visit, current, '/admin/clients');
      const form = (ctx.request.body ?? {}) as Form;
      const result = await visit.api('PATCH', `/clients/${id}`, apiBody(form, current.data.kind, false));
      if (result.status === 200) return redirect(ctx, visit, `/admin/clients/${id}`, 'admin.clients.saved');
      if (result.status === 403) return refused(ctx, visit, result, `/admin/clients/${id}`);
      await showForm(ctx, visit, {
        client: current.data,
        values: form,
        error: String(result.data.error_description ?? result.data.error),
        status: result.status,
      });
    }),
  );

  // Changes that need a confirmation page first.
  const actions = {
    rotate: { ask: 'admin.clients.rotateConfirm', done: 'admin.clients.rotated', call: ['POST', 'secret'] },
    disable: { ask: 'admin.clients.disableConfirm', done: 'admin.clients.disabled', call: ['POST', 'disable'] },
    enable: { ask: 'admin.clients.enableConfirm', done: 'admin.clients.enabled', call: ['POST', 'enable'] },
    delete: { ask: 'admin.clients.deleteConfirm', done: 'admin.clients.deleted', call: ['DELETE', ''] },
  } as const;

  for (const [name, action] of Object.entries(actions)) {
    router.get(
      `/admin/clients/:id/${name}`,
      page(async (ctx, visit) => {
        const id = encodeURIComponent(ctx.params.id!);
        const current = await visit.api('GET', `/clients/${id}`);
        if (current.status !== 200) return refused(ctx, visit, current, '/admin/clients');
        const t = ctx.state.t;
        await confirm(ctx, visit, {
          title: t(`admin.clients.${name as keyof typeof actions}`),
          message: t(action.ask, { name: current.data.name }),
          action: `/admin/clients/${id}/${name}`,
          back: `/admin/clients/${id}`,
        });
      }),
    );

    router.post(
      `/admin/clients/:id/${name}`,
      forms,
      page(async (ctx, visit) => {
        const id = encodeURIComponent(ctx.params.id!);
        const [method, suffix] = action.call;
        const result = await visit.api(method, `/clients/${id}${suffix ? `/${suffix}` : ''}`);
        if (result.status >= 300) return refused(ctx, visit, result, `/admin/clients/${id}`);
        if (name === 'delete') return redirect(ctx, visit, '/admin/clients', action.done);
        await redirect(
          ctx,
          visit,
          `/admin/clients/${id}`,
          action.done,
          name === 'rotate' ? { clientSecret: result.data.client_secret } : undefined,
        );
      }),
    );
  }
}
