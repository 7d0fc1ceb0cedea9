import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { type CodeFlow, codeFlow, memberDestination } from '../code-flow/flow.js';
import type { AppContext } from '../context.js';
import { passkeyDevice } from '../http/passkey-device.js';
import type { MessageKey } from '../i18n/index.js';
import { alternativeFor } from '../otp/destination.js';
import type { OtpChannel, OtpPurpose } from '../otp/model.js';
import { type AccountVisit, accountReturnPath, visit } from './guard.js';

/**
 * The one-time-password pages of My account, on the shared code flow: the step-up itself
 * (purpose "account", to the member's notification destination), the confirmation of a new
 * e-mail address or number, and the SMS code before a passkey is registered. Codes are bound to
 * the account session. Each page trio is GET base, POST base/send and POST base/check.
 */
export interface AccountCode {
  purpose: OtpPurpose;
  base: string;
  heading: MessageKey;
  intro: MessageKey;
  /** Whether the pages need a fresh step-up themselves (the step-up's own pages do not). */
  stepUp: boolean;
  /** Where a new code goes, or the message that says why none can be sent. */
  destination(current: AccountVisit): { channel: OtpChannel; destination: string } | { problem: MessageKey };
  /** The member's other channel, offered instead (the step-up only). */
  alternative?(current: AccountVisit): { channel: OtpChannel; destination: string } | undefined;
  /** After a correct code. */
  verified(ctx: Context, current: AccountVisit, code: { channel: OtpChannel; destination: string }): Promise<void>;
}

/** The code flow of `code` for this visit; a ?return= path is carried through the pages. */
export function accountCodeFlow(ctx: Context, app: AppContext, current: AccountVisit, code: AccountCode): CodeFlow {
  const query = ctx.query.return ? `?return=${encodeURIComponent(accountReturnPath(ctx.query.return))}` : '';
  return codeFlow(ctx, app, {
    member: current.member,
    purpose: code.purpose,
    binding: current.session._id,
    destination: code.destination(current),
    alternative: code.alternative?.(current),
    page: {
      heading: ctx.state.t(code.heading),
      intro: ctx.state.t(code.intro),
      csrf: current.csrf,
      sendAction: `${code.base}/send${query}`,
      verifyAction: `${code.base}/check${query}`,
      backLink: '/account',
    },
    afterSend: `${code.base}${query}`,
  });
}

export function registerCodeRoutes(router: Router, app: AppContext, forms: Middleware, code: AccountCode): void {
  router.get(code.base, async (ctx) => {
    const current = await visit(ctx, app, { stepUp: code.stepUp });
    if (current) await accountCodeFlow(ctx, app, current, code).show();
  });
  router.post(`${code.base}/send`, forms, async (ctx) => {
    const current = await visit(ctx, app, { stepUp: code.stepUp });
    if (current) await accountCodeFlow(ctx, app, current, code).send();
  });
  router.post(`${code.base}/check`, forms, async (ctx) => {
    const current = await visit(ctx, app, { stepUp: code.stepUp });
    if (!current) return;
    const verified = await accountCodeFlow(ctx, app, current, code).check(
      (ctx.request.body as { code?: unknown } | undefined)?.code,
    );
    if (verified) await code.verified(ctx, current, verified);
  });
}

/** The step-up: a code to the notification destination lets the member in for STEP_UP_MINUTES. */
export function registerVerifyRoutes(router: Router, app: AppContext, forms: Middleware): void {
  registerCodeRoutes(router, app, forms, {
    purpose: 'account',
    base: '/account/verify',
    heading: 'account.verify.heading',
    intro: 'account.verify.intro',
    stepUp: false,
    destination: (current) => memberDestination(current.member, 'account', app.config),
    // A member whose phone is lost gets the code by e-mail, then replaces the number (seed 003).
    alternative: (current) => alternativeFor(current.member, 'account', app.config),
    async verified(ctx, current, code) {
      await app.consoles.sessions.update(current.session._id, { stepUpAt: app.clock.now() });
      const back = accountReturnPath(ctx.query.return);
      // A code by SMS: offer a passkey on this browser (that SMS is the check the seed asks for).
      const offer = code.channel === 'sms' && passkeyDevice.wanted(ctx, app.hmac, current.member._id);
      ctx.status = 303;
      ctx.redirect(offer ? `/account/passkeys/offer?return=${encodeURIComponent(back)}` : back);
    },
  });
}
