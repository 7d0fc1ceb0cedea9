import type { Context, Middleware } from 'koa';
import type { FlashKey } from '../../console/flash.js';
import type { AppContext } from '../../context.js';
import { renderPage } from '../../http/render.js';
import { type AdminVisit, type ApiResult, adminReturnPath, adminVisit, ReauthenticationNeeded } from './visit.js';

/** What every console page is built with. */
export type AdminPage = (ctx: Context, visit: AdminVisit) => Promise<void>;

export interface ConsoleKit {
  forms: Middleware;
  /** Wraps a page: the admin's visit, and a fresh sign-in when the console's token has lapsed. */
  page(handler: AdminPage): Middleware;
  /** Renders an admin template with the console's navigation. */
  render(
    ctx: Context,
    visit: AdminVisit,
    view: string,
    locals?: Record<string, unknown>,
    status?: number,
  ): Promise<void>;
  /** Post-redirect-get with a one-time notice (and optionally a one-time secret to show). */
  redirect(
    ctx: Context,
    visit: AdminVisit,
    path: string,
    notice: FlashKey,
    secret?: Record<string, string>,
  ): Promise<void>;
  /** A confirmation page before a change. */
  confirm(
    ctx: Context,
    visit: AdminVisit,
    options: { title: string; message: string; action: string; fields?: Record<string, string>; back: string },
  ): Promise<void>;
  /** The API refused a change: show why on the page the admin came from. */
  refused(ctx: Context, visit: AdminVisit, result: ApiResult, back: string): Promise<void>;
}

export function createConsoleKit(app: AppContext, forms: Middleware): ConsoleKit {
  const kit: ConsoleKit = {
    forms,
    page: (handler) => async (ctx) => {
      const visit = await adminVisit(ctx, app);
      if (!visit) return;
      try {
        await handler(ctx, visit);
      } catch (error) {
        if (!(error instanceof ReauthenticationNeeded)) throw error;
        await app.consoles.sessions.destroy(ctx, 'admin', visit.session);
        ctx.status = 303;
        ctx.redirect(
          `/admin/login?return=${encodeURIComponent(ctx.method === 'GET' ? adminReturnPath(ctx.originalUrl) : '/admin')}`,
        );
      }
    },
    async render(ctx, visit, view, locals = {}, status) {
      const flash = await app.consoles.sessions.takeFlash(visit.session);
      await renderPage(
        ctx,
        `admin/${view}`,
        { wide: true, visit, notice: flash ? ctx.state.t(flash) : undefined, ...locals },
        status,
      );
    },
    async redirect(ctx, visit, path, notice, secret) {
      await app.consoles.sessions.update(visit.session._id, { flash: notice, ...(secret ? { pending: secret } : {}) });
      ctx.status = 303;
      ctx.redirect(path);
    },
    async confirm(ctx, visit, options) {
      await kit.render(ctx, visit, 'confirm', { ...options, fields: options.fields ?? {} });
    },
    async refused(ctx, visit, result, back) {
      const t = ctx.state.t;
      const message =
        result.status === 403
          ? t('admin.error.forbidden')
          : result.status === 404
            ? t('admin.error.notFound')
            : t('admin.error.api', {
                message: String(result.data.error_description ?? result.data.error ?? result.status),
              });
      await kit.render(
        ctx,
        visit,
        'refused',
        { message, back },
        result.status >= 400 && result.status < 500 ? result.status : 502,
      );
    },
  };

  return kit;
}
