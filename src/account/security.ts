import type Router from '@koa/router';
import type { Middleware } from 'koa';
import type { AppContext } from '../context.js';
import { redirectWithNotice, visit } from './guard.js';
import { registerSecurityActions } from './security-actions.js';
import { showSecurity } from './security-page.js';

/**
 * My account → Security (security-page.ts shows it). Like every membership information page it
 * needs a fresh step-up. Signing out and removing access are in security-actions.ts.
 */
export function registerSecurityRoutes(router: Router, app: AppContext, forms: Middleware): void {
  router.get('/account/security', async (ctx) => {
    const current = await visit(ctx, app, { stepUp: true });
    if (current) await showSecurity(ctx, app, current);
  });

  router.post('/account/security/notices', forms, async (ctx) => {
    const current = await visit(ctx, app, { stepUp: true });
    if (!current) return;
    const on = (ctx.request.body as { on?: unknown } | undefined)?.on === '1';
    await app.members.setSignInNotices(current.member._id, on);
    await app.audit.record({
      type: 'account.sign_in_notices_changed',
      outcome: 'success',
      memberId: current.member._id,
      detail: { on },
    });
    const done = on ? 'security.notices.turnedOn' : 'security.notices.turnedOff';
    await redirectWithNotice(ctx, app, current.session._id, '/account/security', done);
  });

  registerSecurityActions(router, app, forms);
}
