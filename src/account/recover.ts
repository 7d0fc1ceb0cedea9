import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { AppContext } from '../context.js';
import { csrfToken, verifyCsrf } from '../http/csrf.js';
import { renderPage } from '../http/render.js';

/**
 * The service centre's recovery link (/recover/:token, sent by an admin to the member's verified
 * e-mail address): the member sets a new password, which ends every session. Single use, 24 hours.
 * The token is a secret: it never reaches a log line (http/error-handler.ts).
 */
const scope = (token: string) => `recover:${token.slice(0, 22)}`;

export function registerRecoverRoutes(router: Router, app: AppContext, forms: Middleware): void {
  async function invalid(ctx: Context) {
    const t = ctx.state.t;
    await renderPage(
      ctx,
      'error',
      { message: t('recover.invalid'), reference: undefined, backUrl: '/', backLabel: t('common.home') },
      404,
    );
  }

  async function form(
    ctx: Context,
    token: string,
    membershipNumber: string,
    view: { error?: string; status?: number } = {},
  ) {
    await renderPage(
      ctx,
      'interaction/recovery-password',
      {
        csrf: csrfToken(ctx, scope(token)),
        action: `/recover/${token}`,
        membershipNumber,
        minLength: app.config.passwordMinLength,
        backUrl: undefined,
        error: view.error,
      },
      view.status,
    );
  }

  router.get('/recover/:token', async (ctx) => {
    const token = String(ctx.params.token);
    const member = await app.recovery.linkMember(token);
    if (!member) return invalid(ctx);
    await form(ctx, token, member.membershipNumber);
  });

  router.post('/recover/:token', forms, async (ctx) => {
    const token = String(ctx.params.token);
    const body = (ctx.request.body ?? {}) as { _csrf?: unknown; password?: unknown; confirm?: unknown };
    verifyCsrf(ctx, scope(token), body._csrf);
    const member = await app.recovery.linkMember(token);
    if (!member) return invalid(ctx);
    const password = typeof body.password === 'string' ? body.password.slice(0, 1024) : '';
    if (password !== body.confirm)
      return form(ctx, token, member.membershipNumber, { error: ctx.state.t('recovery.error.mismatch'), status: 400 });
    const result = await app.recovery.completeLink(token, password);
    if (result.ok) return renderPage(ctx, 'account/recovered');
    if (result.problem === 'expired') return invalid(ctx);
    await form(ctx, token, member.membershipNumber, {
      error: ctx.state.t(result.problem, { min: app.config.passwordMinLength }),
      status: 400,
    });
  });
}
