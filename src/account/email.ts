import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { AppContext } from '../context.js';
import { renderPage } from '../http/render.js';
import { checkEmail, maskEmail } from '../members/email.js';
import { registerContactChange } from './contact.js';
import { type AccountVisit, redirectWithNotice } from './guard.js';

/**
 * Changing the e-mail address (seed 003): the address rules 1–3 with a message per rule;
 * self-service only for members living in EMAIL_SELF_SERVICE_COUNTRIES; the new address is
 * confirmed by a code sent to it before it replaces the old one; the old address is told.
 */
function senderNote(app: AppContext) {
  const from = /<([^>]+)>/.exec(app.config.mail.from)?.[1] ?? app.config.mail.from;
  return { from, domain: from.split('@')[1] ?? '' };
}

async function showForm(
  ctx: Context,
  app: AppContext,
  current: AccountVisit,
  view: { value?: string; errors?: string[]; status?: number } = {},
) {
  await renderPage(
    ctx,
    'account/email',
    {
      member: current.member,
      csrf: current.csrf,
      allowed: app.config.emailSelfServiceCountries.includes(current.member.countryOfResidence),
      value: view.value ?? '',
      errors: view.errors ?? [],
      sender: senderNote(app),
    },
    view.status,
  );
}

export function registerEmailRoutes(router: Router, app: AppContext, forms: Middleware): void {
  registerContactChange(router, app, forms, {
    field: 'email',
    allowed: (member) => app.config.emailSelfServiceCountries.includes(member.countryOfResidence),
    check(ctx, typed, member) {
      const check = checkEmail(typed);
      if (check.problems.length > 0) return { errors: check.problems.map((problem) => ctx.state.t(problem)) };
      return check.address === member.email
        ? { errors: [ctx.state.t('account.email.same')] }
        : { value: check.address };
    },
    messages: { same: 'account.email.same', taken: 'account.email.taken' },
    show: (ctx, current, view) => showForm(ctx, app, current, view),
    async done(ctx, current, { member, previous, value }) {
      // The old address is told (seed 003); the new one has just proven it is the member's.
      if (previous.email) await app.notices.send(member, 'emailChanged', { address: maskEmail(value) }, previous.email);
      await redirectWithNotice(ctx, app, current.session._id, '/account', 'account.email.changed');
    },
  });
}
