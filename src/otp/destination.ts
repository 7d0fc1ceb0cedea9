import type { Config } from '../config.js';
import type { Member } from '../members/model.js';
import { canReceiveSms } from '../members/phone.js';
import type { OtpChannel, OtpPurpose } from './model.js';

/**
 * Where a member's code goes (seed 003 and 000):
 * - to the notification destination the member chose (e-mail or SMS);
 * - SMS only to a verified mobile number with an allowed calling code, of a member residing in an
 *   SMS country (Japan);
 * - a code for registering a passkey always by SMS.
 */
export type Destination =
  | { ok: true; channel: OtpChannel; destination: string }
  | { ok: false; problem: 'smsRequired' | 'noDestination' };

export function destinationFor(
  member: Member,
  purpose: Extract<OtpPurpose, 'step-up' | 'account' | 'passkey-registration' | 'password-reset'>,
  config: Config,
): Destination {
  const sms = canReceiveSms(member, config);
  if (purpose === 'passkey-registration') {
    return sms ? { ok: true, channel: 'sms', destination: member.phone! } : { ok: false, problem: 'smsRequired' };
  }
  const email = member.email && member.emailVerified ? member.email : undefined;
  if (member.notificationChannel === 'sms' && sms) return { ok: true, channel: 'sms', destination: member.phone! };
  if (email) return { ok: true, channel: 'email', destination: email };
  if (sms) return { ok: true, channel: 'sms', destination: member.phone! };
  return { ok: false, problem: 'noDestination' };
}

/**
 * The member's other usable channel for a step-up, if any: a member whose phone is lost (or who
 * gets no e-mail) can have the code sent the other way. An e-mail alternative is also where a code
 * goes while the SMS guard holds SMS back (a password reset too). Registering a passkey stays SMS only.
 */
export function alternativeFor(
  member: Member,
  purpose: Extract<OtpPurpose, 'step-up' | 'account' | 'password-reset'>,
  config: Config,
): { channel: OtpChannel; destination: string } | undefined {
  const primary = destinationFor(member, purpose, config);
  if (!primary.ok) return undefined;
  if (primary.channel === 'sms')
    return member.email && member.emailVerified ? { channel: 'email', destination: member.email } : undefined;
  return canReceiveSms(member, config) ? { channel: 'sms', destination: member.phone! } : undefined;
}
