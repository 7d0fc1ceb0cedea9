import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { callingCodeMessage } from '../code-flow/page.js';
import type { AppContext } from '../context.js';
import { renderPage } from '../http/render.js';
import { maskPhone, normalisePhone, smsCallingCodeAllowed } from '../members/phone.js';
import { registerContactChange } from './contact.js';
import { type AccountVisit, redirectWithNotice } from './guard.js';

/**
 * Registering a mobile number for SMS, the seed's four steps: (1) enter the number, (2) a code is
 * sent to that phone, (3) enter it to verify the number, (4) set the notification destination to
 * "Mobile Phone (SMS)" (the notification page, opened with SMS preselected). For members living
 * in SMS_COUNTRIES only, numbers with an SMS_CALLING_CODES country code only; kept in E.164.
 */
async function showForm(
  ctx: Context,
  app: AppContext,
  current: AccountVisit,
  view: { value?: string; error?: string; status?: number } = {},
) {
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

export function registerPhoneRoutes(router: Router, app: AppContext, forms: Middleware): void {
  registerContactChange(router, app, forms, {
    field: 'phone',
    allowed: (member) => app.config.smsCountries.includes(member.countryOfResidence),
    // Step 1: the number.
    check(ctx, typed, member) {
      const normalised = normalisePhone(typed);
      if ('problem' in normalised) return { errors: [ctx.state.t(normalised.problem)] };
      // Refused here rather than at the SMS: the number could never be used (SMS_CALLING_CODES).
      if (!smsCallingCodeAllowed(normalised.e164, app.config))
        return { errors: [callingCodeMessage(ctx.state.t, app.config)] };
      const same = normalised.e164 === member.phone && member.phoneVerified;
      return same ? { errors: [ctx.state.t('account.phone.same')] } : { value: normalised.e164 };
    },
    messages: { same: 'account.phone.same', taken: 'account.phone.taken' },
    show: (ctx, current, view) => showForm(ctx, app, current, { ...view, error: view?.errors?.[0] }),
    async done(ctx, current, { member, value }) {
      await app.notices.send(member, 'phoneChanged', { phone: maskPhone(value) });
      // Step 4: the notification destination, with SMS preselected.
      await redirectWithNotice(
        ctx,
        app,
        current.session._id,
        '/account/notification?suggest=sms',
        'account.phone.verified',
      );
    },
  });
}
