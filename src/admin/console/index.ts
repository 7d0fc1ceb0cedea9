import type Router from '@koa/router';
import { isAdminAccount } from '../../admins/library.js';
import { ACR } from '../../assurance/acr.js';
import { registerConsoleSignIn } from '../../console/sign-in.js';
import type { AppContext } from '../../context.js';
import { AppError } from '../../errors.js';
import { formBody } from '../../http/body.js';
import { renderPage } from '../../http/render.js';
import { registerAuditPages } from './audit.js';
import { registerClientPages } from './clients.js';
import { registerEnrolmentPages } from './enrol.js';
import { createConsoleKit } from './kit.js';
import { registerMemberPages } from './members.js';
import { adminReturnPath } from './visit.js';

/**
 * The admin console: server-rendered pages in Japanese and English on top of the admin API.
 * Staff sign in through this provider (client jmb-admin, whose minimum level is a passkey) and
 * the console refuses any sign-in that was not an admin passkey.
 */
export function registerAdminConsole(router: Router, app: AppContext): void {
  const rp = app.consoles.adminRp;
  const forms = formBody('32kb');

  const kit = createConsoleKit(app, forms);

  registerConsoleSignIn(router, app, {
    name: 'admin',
    returnPath: adminReturnPath,
    againLabel: 'admin.signedOut.again',
    async accept(login) {
      // The console refuses anything but an admin who signed in with a passkey.
      if (login.claims.acr !== ACR.passkey || !(login.claims.amr as string[] | undefined)?.includes('user')) {
        throw new AppError('admin.error.passkeyRequired', {
          status: 403,
          detail: `admin console sign-in with acr ${String(login.claims.acr)}`,
        });
      }
      const admin = isAdminAccount(login.claims.sub) ? await app.admins.findActiveByAccountId(login.claims.sub) : null;
      if (!admin)
        throw new AppError('admin.error.notAdmin', { status: 403, detail: 'admin console sign-in by a non-admin' });
      return login.claims.sub;
    },
  });

  router.post(
    '/admin/logout',
    forms,
    kit.page(async (ctx, visit) => {
      await app.consoles.sessions.destroy(ctx, 'admin', visit.session);
      await app.audit.record({ type: 'admin.logout', outcome: 'success', actor: `admin:${visit.admin._id}` });
      ctx.status = 303;
      ctx.redirect(rp.logoutUrl(visit.session.idToken));
    }),
  );

  router.get('/admin/signed-out', async (ctx) => {
    await renderPage(ctx, 'admin/signed-out');
  });

  router.get(
    '/admin',
    kit.page(async (ctx, visit) => {
      await kit.render(ctx, visit, 'home');
    }),
  );

  registerClientPages(router, app, kit);
  registerMemberPages(router, app, kit);
  registerAuditPages(router, app, kit);
  registerEnrolmentPages(router, app);
}
