import { ACR } from '../../src/assurance/acr.js';
import type { ManualClock } from '../../src/clock.js';
import type { Logger } from '../../src/log.js';
import type { IssueRequest } from '../../src/otp/library.js';
import { memberModel, startTestApp, type TestApp, uniqueDbName } from './app.js';
import { Browser } from './browser.js';
import { type DeliveryStandIns, startDeliveryStandIns } from './delivery.js';
import { authorizationUrl, firstPartyWebRp, type RelyingParty } from './rp.js';

/**
 * For the SMS toll-fraud tests: one-time passwords by SMS from members nobody else uses (so the
 * per-member, per-destination and per-network caps stay out of the way), and moving the clock to
 * the edges of the SMS budget windows (clock hours; days from midnight in Japan, 15:00 UTC).
 */
let serial = 0;

export const PASSWORD = 'sms guard test password';
const REDIRECT = 'https://rp.example.com/cb';
export const isCallback = (url: string) => url.startsWith(REDIRECT);

/** An app on the delivery stand-ins with these SMS settings, and a first-party relying app. */
export interface SmsTestBed {
  app: TestApp;
  delivery: DeliveryStandIns;
  rp: RelyingParty;
  /** How many SMS have reached the Vonage stand-in so far. */
  sent(): number;
  /** A member in Japan with this number and e-mail address (verified unless null); codes by SMS unless told. */
  member(phone: string, email: string | null, channel?: 'sms' | 'email'): Promise<string>;
  close(): Promise<void>;
}

export async function startSmsTestBed(options: {
  name: string;
  clock: ManualClock;
  env: Record<string, string>;
  logger?: Logger;
}): Promise<SmsTestBed> {
  const delivery = await startDeliveryStandIns();
  const app = await startTestApp({
    dbName: uniqueDbName(options.name),
    clock: options.clock,
    env: { ...delivery.env, ...options.env },
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const rp = await firstPartyWebRp(app, REDIRECT, 'Shop');
  return {
    app,
    delivery,
    rp,
    sent: () => delivery.vonage.sent.length,
    async member(phone, email, channel = 'sms') {
      const created = await app.context.members.create({
        familyName: 'Sms',
        givenName: 'Member',
        email: email ?? `unverified.${phone.slice(-4)}@example.jp`,
        phone,
        notificationChannel: channel,
        countryOfResidence: 'JP',
        password: PASSWORD,
        locale: 'en',
      });
      if (email === null) await memberModel(app).updateOne({ _id: created._id }, { $set: { emailVerified: false } });
      return created.membershipNumber;
    },
    async close() {
      await app.close();
      await delivery.close();
    },
  };
}

/** A relying app asks for the one-time-password level: the login page. */
export async function loginPage(bed: SmsTestBed, language: 'en' | 'ja' = 'en') {
  const browser = new Browser();
  browser.headers['accept-language'] = language;
  const pending = await authorizationUrl(bed.rp, { acr_values: ACR.otp });
  return { browser, pending, login: await browser.go(pending.url, { stopAt: isCallback }) };
}

/** The same, ending on the code page after the password. */
export async function signInForCode(bed: SmsTestBed, membershipNumber: string, language: 'en' | 'ja' = 'en') {
  const { browser, pending, login } = await loginPage(bed, language);
  const page = await browser.submit(login, 'form[action$="/login"]', { membershipNumber, password: PASSWORD });
  return { browser, page, pending };
}

export function smsRequest(to: string, overrides: Partial<IssueRequest> = {}): IssueRequest {
  serial += 1;
  return {
    memberId: `sms-test-${serial}`,
    memberName: 'Sms Tester',
    purpose: 'account',
    binding: `binding-${serial}`,
    channel: 'sms',
    destination: to,
    locale: 'en',
    ip: `198.51.${Math.floor(serial / 250) % 250}.${serial % 250}`,
    ...overrides,
  };
}

let range = 0;

/** `count` SMS, each from another member to a number in another range (+8170NN…). */
export async function sendSms(app: TestApp, count: number) {
  const results = [];
  for (let i = 0; i < count; i += 1) {
    range += 1;
    results.push(await app.context.otp.issue(smsRequest(`+8170${10 + (range % 90)}001234`)));
  }
  return results;
}

const HOUR = 3_600_000;

/** Moves the clock to `secondsAfter` seconds past the next clock hour (minus, for just before it). */
export function toNextHour(clock: ManualClock, secondsAfter = 1): void {
  const now = clock.now().getTime();
  clock.advance(Math.ceil((now + 1) / HOUR) * HOUR - now + secondsAfter * 1000);
}

/** Moves the clock one second past the next midnight in Japan. */
export function toNextJapaneseMidnight(clock: ManualClock): void {
  const now = clock.now().getTime();
  const midnight = Math.ceil((now + 9 * HOUR + 1) / (24 * HOUR)) * 24 * HOUR - 9 * HOUR;
  clock.advance(midnight - now + 1000);
}
