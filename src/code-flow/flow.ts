import type { Context } from 'koa';
import type { Config } from '../config.js';
import type { AppContext } from '../context.js';
import type { MessageKey } from '../i18n/index.js';
import type { Member } from '../members/model.js';
import { destinationFor } from '../otp/destination.js';
import { issueRequestFor } from '../otp/library.js';
import type { OtpChannel, OtpPurpose } from '../otp/model.js';
import { type CodePageOptions, otpErrorMessage, renderCodePage } from './page.js';

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
  destination: { channel: OtpChannel; destination: string } | { problem: MessageKey };
  page: Pick<
    CodePageOptions,
    'heading' | 'intro' | 'csrf' | 'sendAction' | 'verifyAction' | 'cancel' | 'backLink' | 'skip'
  >;
  /** The member's other channel (step-ups only), which the member may choose instead. */
  alternative?: { channel: OtpChannel; destination: string } | undefined;
  /** Where the browser goes once a code was sent (post, redirect, get). */
  afterSend: string;
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

export function codeFlow(ctx: Context, app: AppContext, spec: CodeFlowSpec): CodeFlow {
  const { member, purpose, binding } = spec;
  const flow: CodeFlow = {
    async show(view = {}) {
      const common = { ...spec.page, alternative: spec.alternative, error: view.error, status: view.status };
      const live = await app.otp.status(member._id, purpose, binding);
      if (live) return renderCodePage(ctx, app.config, { ...common, code: live });
      const target = spec.destination;
      if ('problem' in target) {
        return renderCodePage(ctx, app.config, {
          ...common,
          code: { channel: 'email', maskedDestination: '' },
          blocked: true,
          error: ctx.state.t(target.problem),
          status: 409,
        });
      }
      return renderCodePage(ctx, app.config, {
        ...common,
        code: { channel: target.channel, maskedDestination: '' },
        preview: target,
      });
    },

    async send() {
      // "Send it by e-mail instead": the member's other channel, when the form asks for it.
      const asked = (ctx.request.body as { channel?: unknown } | undefined)?.channel;
      const target = spec.alternative && asked === spec.alternative.channel ? spec.alternative : spec.destination;
      if ('problem' in target) {
        await flow.show();
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
        await flow.show(otpErrorMessage(ctx.state.t, result));
        return false;
      }
      ctx.status = 303;
      ctx.redirect(spec.afterSend);
      return true;
    },

    async check(code) {
      const result = await app.otp.verify({ memberId: member._id, purpose, binding, code, ip: ctx.ip });
      if (result.ok) return result;
      await flow.show(otpErrorMessage(ctx.state.t, result));
      return undefined;
    },
  };
  return flow;
}
