import { type Locale, type MessageKey, translator } from '../i18n/index.js';
import type { OtpChannel, OtpPurpose } from './model.js';

/**
 * The text of a one-time password message, in the member's language. SMS end with the
 * origin-bound line of the "domain-bound codes" convention (@host #code), which lets phones offer
 * the code for autofill on our pages only.
 */
export function composeOtpMessage(input: {
  purpose: OtpPurpose;
  channel: OtpChannel;
  code: string;
  minutes: number;
  locale: Locale;
  host: string;
  name: string;
}): { subject?: string; text: string } {
  const t = translator(input.locale);
  const purpose = t(`otp.purpose.${input.purpose}` as MessageKey);
  const params = { code: input.code, minutes: input.minutes, purpose, host: input.host, name: input.name };
  if (input.channel === 'sms') return { text: t('otp.sms', params) };
  return { subject: t('otp.email.subject'), text: t('otp.email.body', params) };
}
