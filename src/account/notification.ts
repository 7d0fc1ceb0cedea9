import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { AppContext } from '../context.js';
import { renderPage } from '../http/render.js';
import { NOTIFICATION_CHANNELS, type NotificationChannel } from '../members/model.js';
import { canReceiveSms } from '../members/phone.js';
import { type AccountVisit, redirectWithNotice, visit } from './guard.js';

/** The one-time-password notification destination: e-mail or Mobile Phone (SMS). */
async function showForm(
  ctx: Context,
  app: AppContext,
  current: AccountVisit,
  view: { selected?: string; error?: string; notice?: string; status?: number } = {},
) {
  const member = current.member;
  await renderPage(
    ctx,
    'account/notification',
    {
      member,
      csrf: current.csrf,
      smsAvailable: canReceiveSms(member, app.config),
      emailAvailable: Boolean(member.email && member.emailVerified),
      selected: view.selected ?? member.notificationChannel,
      error: view.error,
      notice: view.notice,
    },
    view.status,
  );
}

export function registerNotificationRoutes(router: Router, app: AppContext, forms: Middleware): void {
  router.get('/account/notification', async (ctx) => {
    const current = await visit(ctx, app, { stepUp: true });
    if (!current) return;
    const flash = await app.consoles.sessions.takeFlash(current.session);
    await showForm(ctx, app, current, {
      selected: ctx.query.suggest === 'sms' ? 'sms' : undefined,
      notice: flash ? ctx.state.t(flash) : undefined,
    });
  });

  router.post('/account/notification', forms, async (ctx) => {
    const current = await visit(ctx, app, { stepUp: true });
    if (!current) return;
    const t = ctx.state.t;
    const channel = (ctx.request.body as { channel?: unknown } | undefined)?.channel;
    if (!(NOTIFICATION_CHANNELS as readonly unknown[]).includes(channel)) {
      return showForm(ctx, app, current, { error: t('account.notification.invalid'), status: 400 });
    }
    const result = await app.members.setNotificationChannel(current.member._id, channel as NotificationChannel);
    if (!result.ok) {
      const error = t(
        channel === 'sms' ? 'account.notification.smsUnavailable' : 'account.notification.emailUnavailable',
      );
      return showForm(ctx, app, current, { selected: String(channel), error, status: 400 });
    }
    await app.audit.record({
      type: 'profile.notification_changed',
      outcome: 'success',
      memberId: current.member._id,
      detail: { from: result.previous.notificationChannel, to: channel },
    });
    await redirectWithNotice(ctx, app, current.session._id, '/account', 'account.notification.saved');
  });
}
