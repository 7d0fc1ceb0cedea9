import type { Context } from 'koa';
import type { Config } from '../config.js';
import type { AppContext } from '../context.js';
import type { MessageKey } from '../i18n/index.js';
import type { Member } from '../members/model.js';
import { destinationFor } from '../otp/destination.js';
import { issueRequestFor } from '../otp/library.js';
import type { OtpChannel, OtpPurpose } from '../otp/model.js';
import { type CodePageOptions, callingCodeMessage, otpErrorMessage, renderCodePage } from './page.js';

/**
 * Show, send and check a one-time password, written once for every flow that needs one: the
 * relying app's step-up, My account's step-up and contact changes, and the SMS code before a
 * passkey is registered. A flow names its member, purpose and binding (an interaction uid or a
 * console session), where a code goes, and its page; the rules are the otp library's.
 */
export interface CodeFlowSpec {
  member: Member;
  purpose: OtpPurpose;
  /** The flow the code belongs to: an interaction uid or a console session id. */
  binding: string;
  /** Where a new code goes, or the message that says why none can be sent. */
  destination: Target | { problem: MessageKey };
  page: Pick<
    CodePageOptions,
    'heading' | 'intro' | 'csrf' | 'sendAction' | 'verifyAction' | 'cancel' | 'backLink' | 'skip'
  >;
  /**
   * The member's other channel (step-ups only), which the member may choose instead; an e-mail
   * alternative is also where the code goes while SMS cannot be sent (the SMS guard).
   */
  alternative?: Target | undefined;
  /** Where the browser goes once a code was sent (post, redirect, get). */
  afterSend: string;
}

interface Target {
  channel: OtpChannel;
  destination: string;
}

/** Where a member's code for `purpose` goes (otp/destination.ts), or what to tell them when nowhere. */
export function memberDestination(
  member: Member,
  purpose: Parameters<typeof destinationFor>[1],
  config: Config,
): CodeFlowSpec['destination'] {
  const found = destinationFor(member, purpose, config);
  if (found.ok) return { channel: found.channel, destination: found.destination };
  return { problem: found.problem === 'smsRequired' ? 'passkey.sms.required' : 'otp.error.noDestination' };
}

export interface CodeFlow {
  /** The page: where a code would go, or the field for the code just sent. */
  show(view?: { error?: string | undefined; status?: number | undefined }): Promise<void>;
  /** Sends a code and redirects to the page; or shows why it was not sent. Whether one was sent. */
  send(): Promise<boolean>;
  /** Checks a code; on failure shows the page with the reason and gives undefined. */
  check(code: unknown): Promise<{ channel: OtpChannel; destination: string } | undefined>;
}

/** Where a code goes now, the other channel still on offer, and why it is not the one asked for. */
type Resolved = (Target & { alternative?: Target | undefined; notice?: string }) | { problem: string; status: number };

export function codeFlow(ctx: Context, app: AppContext, spec: CodeFlowSpec): CodeFlow {
  const { member, purpose, binding } = spec;
  const t = ctx.state.t;
  const smsNow = async (target: Target | undefined) =>
    target?.channel === 'sms' ? app.smsGuard.available(target.destination) : ({ ok: true } as const);

  /** The channel asked for (the primary one unless the form names the other), unless the SMS guard holds SMS back. */
  async function resolve(asked?: OtpChannel): Promise<Resolved> {
    const { destination: primary, alternative } = spec;
    const wanted = alternative && asked === alternative.channel ? alternative : primary;
    if ('problem' in wanted) return { problem: t(wanted.problem), status: 409 };
    const other = wanted === alternative ? ('problem' in primary ? undefined : primary) : alternative;
    const [sms, otherSms] = await Promise.all([smsNow(wanted), smsNow(other)]);
    if (sms.ok) return { ...wanted, alternative: otherSms.ok ? other : undefined };
    if (other?.channel === 'email') return { ...other, notice: t('otp.sms.fallback') };
    if (sms.reason === 'callingCode') return { problem: callingCodeMessage(t, app.config), status: 409 };
    return { problem: t('otp.sms.unavailable'), status: 503 };
  }

  async function render(view: { error?: string | undefined; status?: number | undefined }, known?: Resolved) {
    const common = { ...spec.page, error: view.error, status: view.status };
    const live = await app.otp.status(member._id, purpose, binding);
    if (live) {
      // A resend that did not go (SMS held back) says why on the page of the code still valid.
      const why =
        known && ('problem' in known ? { error: known.problem, status: known.status } : { notice: known.notice });
      const alternative = (await smsNow(spec.alternative)).ok ? spec.alternative : undefined;
      return renderCodePage(ctx, app.config, { ...common, ...why, alternative, code: live });
    }
    const target = known ?? (await resolve());
    if ('problem' in target) {
      return renderCodePage(ctx, app.config, {
        ...common,
        code: { channel: 'email', maskedDestination: '' },
        blocked: true,
        error: target.problem,
        status: target.status,
      });
    }
    return renderCodePage(ctx, app.config, {
      ...common,
      code: { channel: target.channel, maskedDestination: '' },
      preview: { channel: target.channel, destination: target.destination },
      alternative: target.alternative,
      notice: target.notice,
    });
  }

  return {
    show: (view = {}) => render(view),

    async send() {
      // "Send it by e-mail instead": the member's other channel, when the form asks for it.
      const field = (ctx.request.body as { channel?: unknown } | undefined)?.channel;
      const asked = field === 'sms' || field === 'email' ? field : undefined;
      const target = await resolve(asked);
      // Not where the member asked (SMS held back): the page says so and offers the e-mail code.
      if ('problem' in target || (asked !== undefined && asked !== target.channel)) {
        await render({}, target);
        return false;
      }
      const result = await app.otp.issue(
        issueRequestFor(member, {
          purpose,
          binding,
          channel: target.channel,
          destination: target.destination,
          locale: ctx.state.locale,
          ip: ctx.ip,
        }),
      );
      if (!result.ok) {
        // The guard held the SMS back after the page was shown: the page now offers e-mail or explains.
        if (result.reason === 'smsUnavailable') await render({}, await resolve(asked));
        else await render(otpErrorMessage(t, result), target);
        return false;
      }
      ctx.status = 303;
      ctx.redirect(spec.afterSend);
      return true;
    },

    async check(code) {
      const result = await app.otp.verify({ memberId: member._id, purpose, binding, code, ip: ctx.ip });
      if (result.ok) return result;
      await render(otpErrorMessage(t, result));
      return undefined;
    },
  };
}
