import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { renderPage } from '../http/render.js';
import { checkEmail, maskEmail } from '../members/email.js';
import { redirectWithNotice, visit, type AccountVisit } from './guard.js';
import { accountCodeFlow, registerCodeRoutes, type AccountCode } from './verify.js';

/**
 * Changing the e-mail address (seed 003): the address rules 1–3 with a message per rule;
 * self-service only for members living in EMAIL_SELF_SERVICE_COUNTRIES; the new address is
 * confirmed by a code sent to it before it replaces the old one; the old address is told.
 */
function senderNote(app: AppContext) {
  const from = /<([^>]+)>/.exec(app.config.mail.from)?.[1] ?? app.config.mail.from;
  return { from, domain: from.split('@')[1] ?? '' };
}

async function showForm(ctx: Context, app: AppContext, current: AccountVisit, view: { value?: string; errors?: string[]; status?: number } = {}) {
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

const form = z.object({ email: z.string().max(320).optional().default('') });

export function registerEmailRoutes(router: Router, app: AppContext, forms: Middleware): void {
  // The new address is confirmed by a code sent to it; the pages need no fresh step-up, the
  // change was asked for with one.
  const confirmation: AccountCode = {
    purpose: 'email-change',
    base: '/account/email/confirm',
    heading: 'account.email.confirm.heading',
    intro: 'account.email.confirm.intro',
    stepUp: false,
    destination: (current) => {
      const address = current.session.pending?.email;
      return address ? { channel: 'email', destination: address } : { problem: 'otp.error.none' };
    },
    async verified(ctx, current, verified) {
      const result = await app.members.changeEmail(current.member._id, verified.destination);
      await app.consoles.sessions.update(current.session._id, {}, ['pending']);
      if (!result.ok) {
        await app.audit.record({ type: 'profile.email_changed', outcome: 'failure', memberId: current.member._id, detail: { reason: result.problem } });
        return showForm(ctx, app, current, { errors: [ctx.state.t(result.problem === 'same' ? 'account.email.same' : 'account.email.taken')], status: 409 });
      }
      await app.audit.record({
        type: 'profile.email_changed',
        outcome: 'success',
        memberId: current.member._id,
        detail: { from: result.previous.email ? maskEmail(result.previous.email) : null, to: maskEmail(verified.destination) },
      });
      // The old address is told (seed 003); the new one has just proven it is the member's.
      if (result.previous.email) await app.notices.send(result.member, 'emailChanged', { address: maskEmail(verified.destination) }, result.previous.email);
      await redirectWithNotice(ctx, app, current.session._id, '/account', 'account.email.changed');
    },
  };

  router.get('/account/email', async (ctx) => {
    const current = await visit(ctx, app, { stepUp: true });
    if (current) await showForm(ctx, app, current);
  });

  router.post('/account/email', forms, async (ctx) => {
    const current = await visit(ctx, app, { stepUp: true });
    if (!current) return;
    const t = ctx.state.t;
    if (!app.config.emailSelfServiceCountries.includes(current.member.countryOfResidence)) return showForm(ctx, app, current, { status: 403 });
    const typed = form.safeParse(ctx.request.body ?? {}).data?.email ?? '';
    const check = checkEmail(typed);
    if (check.problems.length > 0) return showForm(ctx, app, current, { value: typed, errors: check.problems.map((p) => t(p)), status: 400 });
    if (check.address === current.member.email) return showForm(ctx, app, current, { value: typed, errors: [t('account.email.same')], status: 400 });
    const session = { ...current.session, pending: { ...current.session.pending, email: check.address } };
    await app.consoles.sessions.update(current.session._id, { pending: session.pending });
    // Sends to the new address and redirects to the confirmation page (or shows why not).
    await accountCodeFlow(ctx, app, { ...current, session }, confirmation).send();
  });

  registerCodeRoutes(router, app, forms, confirmation);
}
