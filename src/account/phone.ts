import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { renderPage } from '../http/render.js';
import { maskPhone, normalisePhone } from '../members/phone.js';
import { redirectWithNotice, visit, type AccountVisit } from './guard.js';
import { accountCodeFlow, registerCodeRoutes, type AccountCode } from './verify.js';

/**
 * Registering a mobile number for SMS, the seed's four steps: (1) enter the number, (2) a code is
 * sent to that phone, (3) enter it to verify the number, (4) set the notification destination to
 * "Mobile Phone (SMS)" (the notification page, opened with SMS preselected). For members living
 * in SMS_COUNTRIES only; numbers are kept in E.164.
 */
async function showForm(ctx: Context, app: AppContext, current: AccountVisit, view: { value?: string; error?: string; status?: number } = {}) {
  await renderPage(
    ctx,
    'account/phone',
    {
      member: current.member,
      csrf: current.csrf,
      allowed: app.config.smsCountries.includes(current.member.countryOfResidence),
      current: current.member.phone ? maskPhone(current.member.phone) : undefined,
      value: view.value ?? '',
      error: view.error,
    },
    view.status,
  );
}

const form = z.object({ phone: z.string().max(64).optional().default('') });

export function registerPhoneRoutes(router: Router, app: AppContext, forms: Middleware): void {
  // Steps 2 and 3: a code to that phone, entered here.
  const confirmation: AccountCode = {
    purpose: 'phone-change',
    base: '/account/phone/confirm',
    heading: 'account.phone.confirm.heading',
    intro: 'account.phone.confirm.intro',
    stepUp: false,
    destination: (current) => {
      const phone = current.session.pending?.phone;
      return phone ? { channel: 'sms', destination: phone } : { problem: 'otp.error.none' };
    },
    async verified(ctx, current, verified) {
      const result = await app.members.changePhone(current.member._id, verified.destination);
      await app.consoles.sessions.update(current.session._id, {}, ['pending']);
      if (!result.ok) {
        await app.audit.record({ type: 'profile.phone_changed', outcome: 'failure', memberId: current.member._id, detail: { reason: result.problem } });
        return showForm(ctx, app, current, { error: ctx.state.t(result.problem === 'same' ? 'account.phone.same' : 'account.phone.taken'), status: 409 });
      }
      await app.audit.record({
        type: 'profile.phone_changed',
        outcome: 'success',
        memberId: current.member._id,
        detail: { from: result.previous.phone ? maskPhone(result.previous.phone) : null, to: maskPhone(verified.destination) },
      });
      await app.notices.send(result.member, 'phoneChanged', { phone: maskPhone(verified.destination) });
      // Step 4: the notification destination, with SMS preselected.
      await redirectWithNotice(ctx, app, current.session._id, '/account/notification?suggest=sms', 'account.phone.verified');
    },
  };

  router.get('/account/phone', async (ctx) => {
    const current = await visit(ctx, app, { stepUp: true });
    if (current) await showForm(ctx, app, current);
  });

  // Step 1: the number.
  router.post('/account/phone', forms, async (ctx) => {
    const current = await visit(ctx, app, { stepUp: true });
    if (!current) return;
    const t = ctx.state.t;
    if (!app.config.smsCountries.includes(current.member.countryOfResidence)) return showForm(ctx, app, current, { status: 403 });
    const typed = form.safeParse(ctx.request.body ?? {}).data?.phone ?? '';
    const normalised = normalisePhone(typed);
    if ('problem' in normalised) return showForm(ctx, app, current, { value: typed, error: t(normalised.problem), status: 400 });
    if (normalised.e164 === current.member.phone && current.member.phoneVerified) {
      return showForm(ctx, app, current, { value: typed, error: t('account.phone.same'), status: 400 });
    }
    const pending = { ...current.session.pending, phone: normalised.e164 };
    await app.consoles.sessions.update(current.session._id, { pending });
    await accountCodeFlow(ctx, app, { ...current, session: { ...current.session, pending } }, confirmation).send();
  });

  registerCodeRoutes(router, app, forms, confirmation);
}
