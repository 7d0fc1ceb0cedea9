import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { renderPage } from '../http/render.js';
import { registerEmailRoutes } from './email.js';
import { accountReturnPath, visit } from './guard.js';
import { registerNotificationRoutes } from './notification.js';
import { registerPasskeyRoutes } from './passkeys.js';
import { registerPhoneRoutes } from './phone.js';
import { registerVerifyRoutes } from './verify.js';

/**
 * My account: the member's own pages. Signing in goes through this provider like any relying
 * app (client jmb-account); seeing or changing membership information needs a one-time-password
 * step-up within the last STEP_UP_MINUTES.
 */
export const ACCOUNT_CLIENT_ID = 'jmb-account';

export function registerAccountRoutes(router: Router, app: AppContext): void {
  const forms = bodyParser({ enableTypes: ['form'], formLimit: '8kb', encoding: 'utf-8' });
  const rp = app.consoles.accountRp;

  router.get('/account/login', async (ctx) => {
    await rp.start(ctx, { returnTo: accountReturnPath(ctx.query.return) });
  });

  router.get('/account/callback', async (ctx) => {
    let login;
    try {
      login = await rp.finish(ctx);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      app.logger.info({ detail: error.detail }, 'my account sign-in not completed');
      ctx.status = error.status;
      return renderPage(ctx, 'error', { message: ctx.state.t(error.key), reference: undefined, backUrl: '/account/login', backLabel: ctx.state.t('account.signIn') }, error.status);
    }
    const member = await app.members.findById(login.claims.sub);
    if (!member || member.status !== 'active') throw new AppError('console.error.signInFailed', { detail: 'signed-in member is not active' });
    await app.consoles.sessions.destroy(ctx, 'account', await app.consoles.sessions.load(ctx, 'account'));
    await app.consoles.sessions.create(ctx, 'account', { subject: member._id, idToken: login.idToken });
    ctx.status = 303;
    ctx.redirect(login.returnTo);
  });

  router.post('/account/logout', forms, async (ctx) => {
    const current = await visit(ctx, app, { stepUp: false });
    if (!current) return;
    await app.consoles.sessions.destroy(ctx, 'account', current.session);
    ctx.status = 303;
    ctx.redirect(rp.logoutUrl(current.session.idToken));
  });

  router.get('/account/signed-out', async (ctx) => {
    await renderPage(ctx, 'account/signed-out');
  });

  router.get('/account', async (ctx) => {
    const current = await visit(ctx, app, { stepUp: true });
    if (!current) return;
    const flash = await app.consoles.sessions.takeFlash(current.session);
    await renderPage(ctx, 'account/overview', {
      member: current.member,
      csrf: current.csrf,
      notice: flash ? ctx.state.t(flash) : undefined,
      stepUpMinutes: app.config.otp.stepUpMinutes,
    });
  });

  registerVerifyRoutes(router, app, forms);
  registerEmailRoutes(router, app, forms);
  registerPhoneRoutes(router, app, forms);
  registerNotificationRoutes(router, app, forms);
  registerPasskeyRoutes(router, app, forms);
}
