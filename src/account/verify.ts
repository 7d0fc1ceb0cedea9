import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { AppContext } from '../context.js';
import type { OtpPurpose } from '../otp/model.js';
import { issueRequestFor, type IssueResult } from '../otp/library.js';
import { destinationFor } from '../otp/destination.js';
import { otpErrorMessage, renderCodePage } from '../otp/view.js';
import { accountReturnPath, visit, type AccountVisit } from './guard.js';

/**
 * The one-time-password pages of My account: the step-up itself (purpose "account", to the
 * member's notification destination) and the confirmation of a new e-mail address or number.
 * Codes are bound to the account session.
 */
export interface CodeFlow {
  purpose: OtpPurpose;
  base: string;
  heading: string;
  intro: string;
  /** Where a new code goes, or a message key when none can be sent. */
  destination(current: AccountVisit): { channel: 'email' | 'sms'; destination: string } | { problem: string };
}

export async function showCodeFlow(ctx: Context, app: AppContext, current: AccountVisit, flow: CodeFlow, view: { error?: string; status?: number } = {}): Promise<void> {
  const t = ctx.state.t;
  const returnTo = ctx.query.return ? `?return=${encodeURIComponent(accountReturnPath(ctx.query.return))}` : '';
  const common = {
    heading: flow.heading,
    intro: flow.intro,
    csrf: current.csrf,
    sendAction: `${flow.base}/send${returnTo}`,
    verifyAction: `${flow.base}/check${returnTo}`,
    cancel: undefined,
    error: view.error,
    status: view.status,
  };
  const live = await app.otp.status(current.member._id, flow.purpose, current.session._id);
  if (live) return renderCodePage(ctx, app.config, { ...common, code: live, backLink: '/account' });
  const destination = flow.destination(current);
  if ('problem' in destination) {
    return renderCodePage(ctx, app.config, { ...common, code: { channel: 'email', maskedDestination: '' }, blocked: true, error: t(destination.problem as never), status: 409, backLink: '/account' });
  }
  return renderCodePage(ctx, app.config, { ...common, code: { channel: destination.channel, maskedDestination: '' }, preview: destination, backLink: '/account' });
}

export async function sendCode(ctx: Context, app: AppContext, current: AccountVisit, flow: CodeFlow): Promise<IssueResult | undefined> {
  const destination = flow.destination(current);
  if ('problem' in destination) {
    await showCodeFlow(ctx, app, current, flow);
    return undefined;
  }
  const result = await app.otp.issue(
    issueRequestFor(current.member, {
      purpose: flow.purpose,
      binding: current.session._id,
      channel: destination.channel,
      destination: destination.destination,
      locale: ctx.state.locale,
      ip: ctx.ip,
    }),
  );
  if (!result.ok) {
    const { message, status } = otpErrorMessage(ctx.state.t, result);
    await showCodeFlow(ctx, app, current, flow, { error: message, status });
    return result;
  }
  ctx.status = 303;
  ctx.redirect(`${flow.base}${ctx.querystring ? `?${ctx.querystring}` : ''}`);
  return result;
}

/** Checks the code; on failure renders the page again and returns undefined. */
export async function checkCode(ctx: Context, app: AppContext, current: AccountVisit, flow: CodeFlow): Promise<{ destination: string; channel: 'email' | 'sms' } | undefined> {
  const code = (ctx.request.body as { code?: unknown } | undefined)?.code;
  const result = await app.otp.verify({ memberId: current.member._id, purpose: flow.purpose, binding: current.session._id, code, ip: ctx.ip });
  if (!result.ok) {
    const { message, status } = otpErrorMessage(ctx.state.t, result);
    await showCodeFlow(ctx, app, current, flow, { error: message, status });
    return undefined;
  }
  return result;
}

export function registerVerifyRoutes(router: Router, app: AppContext, forms: Middleware): void {
  const flow = (ctx: Context): CodeFlow => ({
    purpose: 'account',
    base: '/account/verify',
    heading: ctx.state.t('account.verify.heading'),
    intro: ctx.state.t('account.verify.intro'),
    destination: (current) => {
      const destination = destinationFor(current.member, 'account', app.config);
      return destination.ok ? destination : { problem: 'otp.error.noDestination' };
    },
  });

  router.get('/account/verify', async (ctx) => {
    const current = await visit(ctx, app, { stepUp: false });
    if (current) await showCodeFlow(ctx, app, current, flow(ctx));
  });
  router.post('/account/verify/send', forms, async (ctx) => {
    const current = await visit(ctx, app, { stepUp: false });
    if (current) await sendCode(ctx, app, current, flow(ctx));
  });
  router.post('/account/verify/check', forms, async (ctx) => {
    const current = await visit(ctx, app, { stepUp: false });
    if (!current) return;
    if (!(await checkCode(ctx, app, current, flow(ctx)))) return;
    await app.consoles.sessions.update(current.session._id, { stepUpAt: app.clock.now() });
    ctx.status = 303;
    ctx.redirect(accountReturnPath(ctx.query.return));
  });
}
