import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { AppContext } from '../../context.js';
import { AppError } from '../../errors.js';
import { renderPage } from '../../http/render.js';
import { ACR } from '../../assurance/acr.js';
import { isAdminAccount } from '../../admins/library.js';
import { registerAuditPages } from './audit.js';
import { registerClientPages } from './clients.js';
import { registerEnrolmentPages } from './enrol.js';
import { registerMemberPages } from './members.js';
import { adminReturnPath, adminVisit, ReauthenticationNeeded, type AdminVisit } from './visit.js';

/**
 * The admin console: server-rendered pages in Japanese and English on top of the admin API.
 * Staff sign in through this provider (client jmb-admin, whose minimum level is a passkey) and
 * the console refuses any sign-in that was not an admin passkey.
 */
export type AdminPage = (ctx: Context, visit: AdminVisit) => Promise<void>;

export interface ConsoleKit {
  forms: Middleware;
  /** Wraps a page: the admin's visit, and a fresh sign-in when the console's token has lapsed. */
  page(handler: AdminPage): Middleware;
  /** Renders an admin template with the console's navigation. */
  render(ctx: Context, visit: AdminVisit, view: string, locals?: Record<string, unknown>, status?: number): Promise<void>;
  /** Post-redirect-get with a one-time notice (and optionally a one-time secret to show). */
  redirect(ctx: Context, visit: AdminVisit, path: string, notice: string, secret?: Record<string, string>): Promise<void>;
  /** A confirmation page before a change. */
  confirm(ctx: Context, visit: AdminVisit, options: { title: string; message: string; action: string; fields?: Record<string, string>; back: string }): Promise<void>;
  /** The API refused a change: show why on the page the admin came from. */
  refused(ctx: Context, visit: AdminVisit, result: { status: number; data: Record<string, any> }, back: string): Promise<void>;
}

export function registerAdminConsole(router: Router, app: AppContext): void {
  const rp = app.consoles.adminRp;
  const forms = bodyParser({ enableTypes: ['form'], formLimit: '32kb', encoding: 'utf-8' }) as Middleware;

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
        ctx.redirect(`/admin/login?return=${encodeURIComponent(ctx.method === 'GET' ? adminReturnPath(ctx.originalUrl) : '/admin')}`);
      }
    },
    async render(ctx, visit, view, locals = {}, status) {
      const flash = await app.consoles.sessions.takeFlash(visit.session);
      await renderPage(ctx, `admin/${view}`, { wide: true, visit, notice: flash ? ctx.state.t(flash as never) : undefined, ...locals }, status);
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
        result.status === 403 ? t('admin.error.forbidden') : result.status === 404 ? t('admin.error.notFound') : t('admin.error.api', { message: String(result.data.error_description ?? result.data.error ?? result.status) });
      await kit.render(ctx, visit, 'refused', { message, back }, result.status >= 400 && result.status < 500 ? result.status : 502);
    },
  };

  router.get('/admin/login', async (ctx) => {
    await rp.start(ctx, { returnTo: adminReturnPath(ctx.query.return) });
  });

  router.get('/admin/callback', async (ctx) => {
    let login;
    try {
      login = await rp.finish(ctx);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return renderPage(ctx, 'error', { message: ctx.state.t(error.key), reference: undefined, backUrl: '/admin/login', backLabel: ctx.state.t('admin.signedOut.again') }, error.status);
    }
    // The console refuses anything but an admin who signed in with a passkey.
    if (login.claims.acr !== ACR.passkey || !(login.claims.amr as string[] | undefined)?.includes('user')) {
      throw new AppError('admin.error.passkeyRequired', { status: 403, detail: `admin console sign-in with acr ${String(login.claims.acr)}` });
    }
    const admin = isAdminAccount(login.claims.sub) ? await app.admins.findActiveByAccountId(login.claims.sub) : null;
    if (!admin) throw new AppError('admin.error.notAdmin', { status: 403, detail: 'admin console sign-in by a non-admin' });
    await app.consoles.sessions.destroy(ctx, 'admin', await app.consoles.sessions.load(ctx, 'admin'));
    await app.consoles.sessions.create(ctx, 'admin', { subject: login.claims.sub, idToken: login.idToken, accessToken: login.accessToken });
    ctx.status = 303;
    ctx.redirect(login.returnTo);
  });

  router.post('/admin/logout', forms, kit.page(async (ctx, visit) => {
    await app.consoles.sessions.destroy(ctx, 'admin', visit.session);
    await app.audit.record({ type: 'admin.logout', outcome: 'success', actor: `admin:${visit.admin._id}` });
    ctx.status = 303;
    ctx.redirect(rp.logoutUrl(visit.session.idToken));
  }));

  router.get('/admin/signed-out', async (ctx) => {
    await renderPage(ctx, 'admin/signed-out');
  });

  router.get('/admin', kit.page(async (ctx, visit) => {
    await kit.render(ctx, visit, 'home');
  }));

  registerClientPages(router, app, kit);
  registerMemberPages(router, app, kit);
  registerAuditPages(router, app, kit);
  registerEnrolmentPages(router, app);
}
