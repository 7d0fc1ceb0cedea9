import type { Context } from 'koa';
import type { Config } from '../config.js';
import { renderPage } from '../http/render.js';
import { type CodeStatus, type IssueResult, maskDestination, type VerifyResult } from '../otp/library.js';
import type { OtpChannel } from '../otp/model.js';

/** Renders the shared one-time password page (views/otp/code.ejs). */
export interface CodePageOptions {
  heading: string;
  intro?: string | undefined;
  csrf: string;
  sendAction: string;
  verifyAction: string;
  /** The live code, or where a code would go. */
  code: CodeStatus | { channel: OtpChannel; maskedDestination: string; expiresAt?: undefined };
  cancel?: { action: string; label: string } | undefined;
  /** A plain link away from the page (My account), instead of a cancel form. */
  backLink?: string | undefined;
  /** An optional step: a link that skips it (the passkey offer after a cross-device sign-in). */
  skip?: { continueUrl: string } | undefined;
  error?: string | undefined;
  /** Why the code goes where it goes (SMS cannot be sent now: by e-mail instead). */
  notice?: string | undefined;
  status?: number | undefined;
  /** Where a code would go, before one is sent. */
  preview?: { channel: OtpChannel; destination: string } | undefined;
  /** No code can be sent (no usable destination): only the error and the way out are shown. */
  blocked?: boolean | undefined;
  /** The member's other channel, offered as "send it by e-mail (SMS) instead". */
  alternative?: { channel: OtpChannel; destination: string } | undefined;
}

function mailDomain(from: string): string {
  return /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? '';
}

export async function renderCodePage(ctx: Context, config: Config, options: CodePageOptions): Promise<void> {
  const from = /<([^>]+)>/.exec(config.mail.from)?.[1] ?? config.mail.from;
  await renderPage(
    ctx,
    'otp/code',
    {
      heading: options.heading,
      intro: options.intro,
      csrf: options.csrf,
      sendAction: options.sendAction,
      verifyAction: options.verifyAction,
      state: options.blocked ? 'blocked' : options.code.expiresAt ? 'enter' : 'send',
      channel: options.preview?.channel ?? options.code.channel,
      maskedDestination: options.preview
        ? maskDestination(options.preview.channel, options.preview.destination)
        : options.code.maskedDestination,
      minutes: config.otp.ttlMinutes,
      cooldownSeconds: config.otp.resendCooldownSeconds,
      help: { from, domain: mailDomain(config.mail.from), sender: config.sms.senderDisplay },
      cancel: options.cancel,
      backLink: options.backLink,
      skip: options.skip,
      alternative: options.alternative && {
        channel: options.alternative.channel,
        maskedDestination: maskDestination(options.alternative.channel, options.alternative.destination),
      },
      error: options.error,
      notice: options.notice,
    },
    options.status,
  );
}

/** The member-facing message for a refused issue or verify. */
export function otpErrorMessage(
  t: Context['state']['t'],
  result: Exclude<IssueResult | VerifyResult, { ok: true }>,
): { error: string; status: number } {
  switch (result.reason) {
    case 'cooldown':
      return { error: t('otp.error.cooldown', { seconds: result.retryAfterSeconds }), status: 429 };
    case 'tooMany':
      return { error: t('otp.error.tooMany'), status: 429 };
    case 'smsUnavailable':
      return { error: t('otp.sms.unavailable'), status: 503 };
    case 'tooManyFromHere':
      return { error: t('otp.error.tooManyFromHere'), status: 429 };
    case 'deliveryFailed':
      return {
        error: t('otp.error.deliveryFailed', {
          channel: t(result.channel === 'sms' ? 'otp.channel.sms' : 'otp.channel.email'),
        }),
        status: 502,
      };
    case 'invalid':
      return { error: t('otp.error.invalid', { remaining: result.remaining }), status: 401 };
    case 'malformed':
      return { error: t('otp.error.malformed'), status: 400 };
    default:
      return { error: t(`otp.error.${result.reason}`), status: 401 };
  }
}

/** Why no SMS can go to a number: its country calling code is not in SMS_CALLING_CODES. */
export function callingCodeMessage(t: Context['state']['t'], config: Config): string {
  return t('phone.callingCode', { codes: config.smsGuard.callingCodes.join(', ') });
}
