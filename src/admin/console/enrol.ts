import type Router from '@koa/router';
import type { Context } from 'koa';
import { adminAsOwner } from '../../admins/library.js';
import type { AppContext } from '../../context.js';
import { jsonBody } from '../../http/body.js';
import { csrfToken, verifyCsrf } from '../../http/csrf.js';
import { jsonError, jsonOk, parseRegistration } from '../../http/passkey-ceremony.js';
import { renderPage } from '../../http/render.js';
import { formatJst } from '../../i18n/index.js';

const ceremonyJson = jsonBody();

/**
 * The one-time enrolment link (scripts/create-admin.ts): the new admin registers the passkey they
 * will sign in with. The link is used up by the registration; until then it can be reopened.
 */
export function registerEnrolmentPages(router: Router, app: AppContext): void {
  const TOKEN = /^[A-Za-z0-9_-]{43}$/;

  async function enrolment(ctx: Context) {
    const token = String(ctx.params.token ?? '');
    return TOKEN.test(token) ? { token, ...(await app.admins.enrolmentAdmin(token)) } : null;
  }

  router.get('/admin/enrol/:token', async (ctx) => {
    const found = await enrolment(ctx);
    if (!found?.admin) {
      return renderPage(
        ctx,
        'error',
        {
          message: ctx.state.t('admin.enrol.invalid'),
          reference: undefined,
          backUrl: '/',
          backLabel: ctx.state.t('common.home'),
        },
        404,
      );
    }
    const expires = formatJst(ctx.state.locale, found.expiresAt!, { dateStyle: 'long', timeStyle: 'short' });
    await renderPage(ctx, 'admin/enrol', {
      name: found.admin.name,
      expires,
      csrf: csrfToken(ctx, found.binding!),
      optionsUrl: `/admin/enrol/${found.token}/options`,
      verifyUrl: `/admin/enrol/${found.token}/verify`,
    });
  });

  const ceremony =
    (
      handler: (
        ctx: Context,
        found: {
          token: string;
          admin: NonNullable<Awaited<ReturnType<AppContext['admins']['enrolmentAdmin']>>>['admin'];
          binding: string;
        },
      ) => Promise<void>,
    ) =>
    async (ctx: Context) => {
      ctx.state.api = true;
      await ceremonyJson(ctx, async () => {});
      const found = await enrolment(ctx);
      if (!found?.admin || !found.binding) return jsonError(ctx, 404, ctx.state.t('admin.enrol.invalid'));
      verifyCsrf(ctx, found.binding, ctx.get('x-csrf-token'));
      await handler(ctx, { token: found.token, admin: found.admin, binding: found.binding });
    };

  router.post(
    '/admin/enrol/:token/options',
    ceremony(async (ctx, found) => {
      jsonOk(ctx, await app.adminPasskeys.registrationOptions(adminAsOwner(found.admin), found.binding));
    }),
  );

  router.post(
    '/admin/enrol/:token/verify',
    ceremony(async (ctx, found) => {
      const result = await app.adminPasskeys.register({
        owner: adminAsOwner(found.admin),
        binding: found.binding,
        response: parseRegistration(ctx),
        defaultName: () => 'Admin passkey',
      });
      if (!result.ok)
        return jsonError(
          ctx,
          400,
          ctx.state.t(result.reason === 'duplicate' ? 'passkey.register.exists' : 'passkey.register.failed'),
        );
      await app.admins.completeEnrolment(found.token);
      await app.audit.record({
        type: 'admin.enrolled',
        outcome: 'success',
        actor: `admin:${found.admin._id}`,
        detail: { role: found.admin.role },
      });
      jsonOk(ctx, { redirect: '/admin', signals: result.signals });
    }),
  );
}
