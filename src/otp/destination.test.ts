import { describe, expect, it } from '@jest/globals';
import type { Config } from '../config.js';
import type { Member } from '../members/model.js';
import { alternativeFor, destinationFor } from './destination.js';

/** Where a member's code goes (seed 003 and 000), as a decision table. */
const config = { smsCountries: ['JP'], smsGuard: { callingCodes: ['+81'] } } as Config;
const PHONE = '+819012345678';
const EMAIL = 'hanako@example.jp';

function member(fields: Partial<Member>): Member {
  return {
    email: EMAIL,
    emailVerified: true,
    phone: PHONE,
    phoneVerified: true,
    countryOfResidence: 'JP',
    notificationChannel: 'email',
    ...fields,
  } as Member;
}

const sms = { ok: true, channel: 'sms', destination: PHONE };
const email = { ok: true, channel: 'email', destination: EMAIL };

describe('the destination of a one-time password', () => {
  it.each<[string, Partial<Member>, 'step-up' | 'passkey-registration', object]>([
    ['the notification destination, e-mail', {}, 'step-up', email],
    ['the notification destination, SMS', { notificationChannel: 'sms' }, 'step-up', sms],
    [
      'e-mail when SMS is chosen but the number’s country calling code is not allowed',
      { notificationChannel: 'sms', phone: '+447911123456' },
      'step-up',
      email,
    ],
    [
      'e-mail when SMS is chosen but the number is not verified',
      { notificationChannel: 'sms', phoneVerified: false },
      'step-up',
      email,
    ],
    [
      'e-mail when SMS is chosen by a member living outside the SMS countries',
      { notificationChannel: 'sms', countryOfResidence: 'US' },
      'step-up',
      email,
    ],
    ['SMS when the e-mail address is not verified', { emailVerified: false }, 'step-up', sms],
    [
      'nowhere without a usable address or number',
      { emailVerified: false, phone: undefined },
      'step-up',
      { ok: false, problem: 'noDestination' },
    ],
    ['SMS for a passkey registration, whatever the notification destination', {}, 'passkey-registration', sms],
    [
      'nowhere for a passkey registration without a verified number',
      { phoneVerified: false },
      'passkey-registration',
      { ok: false, problem: 'smsRequired' },
    ],
    [
      'nowhere for a passkey registration to a number outside the allowed calling codes',
      { phone: '+12025550143' },
      'passkey-registration',
      { ok: false, problem: 'smsRequired' },
    ],
    [
      'nowhere for a passkey registration outside the SMS countries',
      { countryOfResidence: 'GB' },
      'passkey-registration',
      { ok: false, problem: 'smsRequired' },
    ],
  ])('%s', (_name, fields, purpose, expected) => {
    expect(destinationFor(member(fields), purpose, config)).toEqual(expected);
  });
});

describe('the other channel a member may choose for a step-up', () => {
  it.each<[string, Partial<Member>, object | undefined]>([
    [
      'e-mail when the code would go by SMS (a lost phone)',
      { notificationChannel: 'sms' },
      { channel: 'email', destination: EMAIL },
    ],
    ['SMS when it would go by e-mail', {}, { channel: 'sms', destination: PHONE }],
    ['none without a verified e-mail address', { notificationChannel: 'sms', emailVerified: false }, undefined],
    ['none outside the SMS countries', { countryOfResidence: 'US' }, undefined],
    ['none to a number outside the allowed calling codes', { phone: '+447911123456' }, undefined],
  ])('%s', (_name, fields, expected) => {
    expect(alternativeFor(member(fields), 'step-up', config)).toEqual(expected);
  });
});
