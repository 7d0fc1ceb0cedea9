import type Router from '@koa/router';
import { registerConsoleSignIn } from '../console/sign-in.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { formBody } from '../http/body.js';
import { renderPage } from '../http/render.js';
import { registerEmailRoutes } from './email.js';
import { accountReturnPath, visit } from './guard.js';
import { registerNotificationRoutes } from './notification.js';
import { registerPasskeyRoutes } from './passkeys.js';
import { registerPhoneRoutes } from './phone.js';
import { registerRecoverRoutes } from './recover.js';
import { registerSecurityRoutes } from './security.js';
import { registerVerifyRoutes } from './verify.js';

/**
 * My account: the member's own pages. Signing in goes through this provider like any relying
 * app (client jmb-account); seeing or changing membership information needs a one-time-password
 * step-up within the last STEP_UP_MINUTES.
 */
export function registerAccountRoutes(router: Router, app: AppContext): void {
  const forms = formBody('8kb');
  const rp = app.consoles.accountRp;

  registerConsoleSignIn(router, app, {
    name: 'account',
    returnPath: accountReturnPath,
    againLabel: 'account.signIn',
    async accept(login) {
      const member = await app.members.findById(login.claims.sub);
      if (member?.status !== 'active')
        throw new AppError('console.error.signInFailed', { detail: 'signed-in member is not active' });
      return member._id;
    },
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
  registerRecoverRoutes(router, app, forms);
  registerSecurityRoutes(router, app, forms);
}
