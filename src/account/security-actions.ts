import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { AppContext } from '../context.js';
import { describeBrowser } from '../http/browser.js';
import { renderPage } from '../http/render.js';
import { translator } from '../i18n/index.js';
import { type AccountVisit, redirectWithNotice, visit } from './guard.js';
import { sessionHandle, sessionRow, showSecurity } from './security-page.js';

/**
 * The security centre's changes, each behind a confirmation page (GET) and a CSRF-protected
 * form (POST), audited: sign one browser out, sign out everywhere, remove an app's access.
 * Relying apps are told by back-channel logout in the background; the page never waits for them.
 */
const HANDLE = /^[A-Za-z0-9_-]{22}$/;
const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

interface Confirmation {
  title: string;
  body: string[];
  action: string;
  button: string;
}

const confirm = (ctx: Context, current: AccountVisit, page: Confirmation) =>
  renderPage(ctx, 'account/security-confirm', { ...page, csrf: current.csrf });

/** The console session is already gone (ended with the provider session): forget its cookie too. */
async function signedOut(ctx: Context, app: AppContext): Promise<void> {
  await app.consoles.sessions.destroy(ctx, 'account', null);
  ctx.status = 303;
  ctx.redirect('/account/signed-out');
}

export function registerSecurityActions(router: Router, app: AppContext, forms: Middleware): void {
  /** The member's session behind a handle, with whether it is this browser's. */
  async function sessionOf(ctx: Context, current: AccountVisit) {
    const handle = String(ctx.params.handle ?? '');
    if (!HANDLE.test(handle)) return undefined;
    const sessions = await app.memberSessions.list(current.member._id);
    const session = sessions.find((s) => sessionHandle(app, s.uid) === handle);
    return session && { session, current: session.uid === (await app.memberSessions.currentUid(ctx)) };
  }
  const gone = (ctx: Context, current: AccountVisit, key: 'security.sessionGone' | 'security.appGone') =>
    showSecurity(ctx, app, current, { error: ctx.state.t(key), status: 404 });

  router.get('/account/security/sessions/:handle/sign-out', async (ctx) => {
    const current = await visit(ctx, app, { stepUp: true });
    if (!current) return;
    const found = await sessionOf(ctx, current);
    if (!found) return gone(ctx, current, 'security.sessionGone');
    const t = ctx.state.t;
    const row = sessionRow(ctx, app, found.session);
    await confirm(ctx, current, {
      title: t('security.signOut.title'),
      body: [
        t('security.signOut.body', { browser: row.browser, date: row.signedIn }),
        ...(found.current ? [t('security.signOut.current')] : []),
      ],
      action: `/account/security/sessions/${row.handle}/sign-out`,
      button: t('security.sessions.signOut'),
    });
  });

  router.post('/account/security/sessions/:handle/sign-out', forms, async (ctx) => {
    const current = await visit(ctx, app, { stepUp: true });
    if (!current) return;
    const found = await sessionOf(ctx, current);
    if (!found || !(await app.memberSessions.end(current.member._id, found.session.uid)))
      return gone(ctx, current, 'security.sessionGone');
    await app.audit.record({
      type: 'account.session_ended',
      outcome: 'success',
      memberId: current.member._id,
      detail: { browser: describeBrowser(found.session.userAgent, translator('en')), current: found.current },
    });
    if (found.current) return signedOut(ctx, app);
    await redirectWithNotice(ctx, app, current.session._id, '/account/security', 'security.signedOut');
  });

  router.get('/account/security/sign-out-everywhere', async (ctx) => {
    const current = await visit(ctx, app, { stepUp: true });
    if (!current) return;
    const t = ctx.state.t;
    await confirm(ctx, current, {
      title: t('security.everywhere.title'),
      body: [t('security.everywhere.body')],
      action: '/account/security/sign-out-everywhere',
      button: t('security.sessions.everywhere'),
    });
  });

  router.post('/account/security/sign-out-everywhere', forms, async (ctx) => {
    const current = await visit(ctx, app, { stepUp: true });
    if (!current) return;
    const sessions = await app.signOutEverywhere(current.member._id);
    await app.audit.record({
      type: 'account.sessions_ended',
      outcome: 'success',
      memberId: current.member._id,
      detail: { sessions },
    });
    await signedOut(ctx, app);
  });

  /** One of the member's connected apps, by its client id. */
  async function appOf(ctx: Context, current: AccountVisit) {
    const clientId = String(ctx.params.clientId ?? '');
    if (!CLIENT_ID.test(clientId)) return undefined;
    return (await app.memberSessions.apps(current.member._id)).find((connected) => connected.clientId === clientId);
  }

  router.get('/account/security/apps/:clientId/remove', async (ctx) => {
    const current = await visit(ctx, app, { stepUp: true });
    if (!current) return;
    const connected = await appOf(ctx, current);
    if (!connected) return gone(ctx, current, 'security.appGone');
    const t = ctx.state.t;
    await confirm(ctx, current, {
      title: t('security.remove.title', { app: connected.name }),
      body: [t('security.remove.body', { app: connected.name })],
      action: `/account/security/apps/${encodeURIComponent(connected.clientId)}/remove`,
      button: t('security.apps.remove'),
    });
  });

  router.post('/account/security/apps/:clientId/remove', forms, async (ctx) => {
    const current = await visit(ctx, app, { stepUp: true });
    if (!current) return;
    const connected = await appOf(ctx, current);
    if (!connected || !(await app.memberSessions.removeApp(current.member._id, connected.clientId)))
      return gone(ctx, current, 'security.appGone');
    await app.audit.record({
      type: 'account.app_removed',
      outcome: 'success',
      memberId: current.member._id,
      clientId: connected.clientId,
      detail: { app: connected.name },
    });
    await redirectWithNotice(ctx, app, current.session._id, '/account/security', 'security.appRemoved');
  });
}
