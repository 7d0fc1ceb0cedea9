import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ACR } from '../../src/assurance/acr.js';
import { ManualClock } from '../../src/clock.js';
import { memberModel, startTestApp, type TestApp, uniqueDbName } from '../support/app.js';
import { Browser, type Page, textOf } from '../support/browser.js';
import { type DeliveryStandIns, startDeliveryStandIns } from '../support/delivery.js';
import {
  authorizationUrl,
  discoverRp,
  exchangeCode,
  firstPartyWebRp,
  type PendingLogin,
  type RelyingParty,
} from '../support/rp.js';
import { codeIn } from '../support/vonage.js';

/**
 * A relying app asks for the one-time-password level with acr_values; the member proves it with
 * a code sent by e-mail or SMS (read from the SMTP and Vonage stand-ins).
 */
let app: TestApp;
let delivery: DeliveryStandIns;
let rp: RelyingParty;
const clock = new ManualClock({ running: true });
const REDIRECT = 'https://rp.example.com/cb';
const isCallback = (url: string) => url.startsWith(REDIRECT);
const password = 'step-up test password';
const people = {
  email: { number: '', email: 'mail.member@example.jp' },
  sms: { number: '', phone: '+819011112222' },
  abroad: { number: '', email: 'abroad@example.com' },
  nowhere: { number: '' },
};

beforeAll(async () => {
  delivery = await startDeliveryStandIns();
  app = await startTestApp({ dbName: uniqueDbName('step-up'), clock, env: delivery.env });
  const m = app.context.members;
  people.email.number = (
    await m.create({
      familyName: 'Mail',
      givenName: 'Member',
      email: people.email.email,
      countryOfResidence: 'JP',
      password,
      locale: 'en',
    })
  ).membershipNumber;
  people.sms.number = (
    await m.create({
      familyName: 'Sms',
      givenName: 'Member',
      email: 'sms.member@example.jp',
      phone: '090-1111-2222',
      notificationChannel: 'sms',
      countryOfResidence: 'JP',
      password,
    })
  ).membershipNumber;
  people.abroad.number = (
    await m.create({
      familyName: 'Abroad',
      givenName: 'Member',
      email: people.abroad.email,
      phone: '+44 7911 123456',
      notificationChannel: 'sms',
      countryOfResidence: 'GB',
      password,
    })
  ).membershipNumber;
  const nowhere = await m.create({
    familyName: 'No',
    givenName: 'Where',
    email: 'nowhere@example.jp',
    countryOfResidence: 'GB',
    password,
  });
  await memberModel(app).updateOne({ _id: nowhere._id }, { $set: { emailVerified: false } });
  people.nowhere.number = nowhere.membershipNumber;
  rp = await firstPartyWebRp(app, REDIRECT, 'Mileage Shop');
});

afterAll(async () => {
  await app?.close();
  await delivery?.close();
});

beforeEach(async () => {
  await app.connection.collection('rate_limits').deleteMany({});
});

async function passwordStep(
  number: string,
  params: Record<string, string> = { acr_values: ACR.otp },
  browser = new Browser(),
) {
  browser.headers['accept-language'] = 'en';
  const pending = await authorizationUrl(rp, params);
  const loginPage = await browser.go(pending.url, { stopAt: isCallback });
  const page = await browser.submit(
    loginPage,
    'form[action$="/login"]',
    { membershipNumber: number, password },
    { stopAt: isCallback },
  );
  return { browser, page, pending };
}

async function send(browser: Browser, page: Page) {
  return browser.submit(page, 'form[action$="/otp/send"]', {}, { stopAt: isCallback });
}

async function enter(browser: Browser, page: Page, code: string) {
  return browser.submit(page, 'form[action$="/otp/verify"]', { code }, { stopAt: isCallback });
}

const mailCode = (address: string) => codeIn(delivery.smtp.lastTo(address)?.text);
const smsCode = (phone: string) => codeIn(delivery.vonage.lastTo(phone)?.text);

/** "Not now, continue" on the passkey offer that follows an SMS code. */
async function notNow(browser: Browser, offer: Page) {
  const link = offer.html.querySelector('a.button.secondary')!.getAttribute('href')!;
  return browser.go(new URL(link, offer.url).href, { stopAt: isCallback });
}

async function finish(page: Page, pending: PendingLogin) {
  expect(isCallback(page.url)).toBe(true);
  return exchangeCode(rp, page.url, pending);
}

describe('the OTP level for relying apps', () => {
  it('is reached with a code sent by e-mail after the password', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { browser, page, pending } = await passwordStep(people.email.number);
    expect(textOf(page, 'h1')).toBe('One-time password');
    expect(textOf(page, '.card')).toContain('We will send a one-time password by e-mail to m***@example.jp.');
    const entry = await send(browser, page);
    expect(textOf(entry, '[role=status]')).toContain('We have sent a one-time password by e-mail to m***@example.jp.');
    expect(entry.html.querySelector('#code')?.getAttribute('autocomplete')).toBe('one-time-code');

    const mail = delivery.smtp.lastTo(people.email.email)!;
    expect(mail.from).toMatch(/^"?JMB"? <jmb_confirmation@jal\.example>$/);
    expect(mail.subject).toBe('Your JMB one-time password');
    expect(mail.text).toContain('It is valid for 10 minutes and can be used once.');

    const done = await enter(browser, entry, mailCode(people.email.email));
    const claims = (await finish(done, pending)).claims()!;
    expect(claims.acr).toBe(ACR.otp);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.auth_time).toBeGreaterThanOrEqual(before);
    // The first sign-in from this browser is also noted (login.new_browser, the security centre's notice).
    const trail = await app.connection
      .collection('audit_events')
      .find({ memberId: claims.sub, type: { $ne: 'login.new_browser' } })
      .sort({ at: 1 })
      .toArray();
    expect(trail.map((e) => e.type)).toEqual(['login.password', 'otp.sent', 'otp.verified']);
    expect(trail[1]!.detail).toEqual({ purpose: 'step-up', channel: 'email', to: 'm***@example.jp' });
    expect(JSON.stringify(trail)).not.toContain(people.email.email);
  });

  it('goes by SMS to a verified mobile number of a member in Japan, through the Vonage API', async () => {
    const { browser, page, pending } = await passwordStep(people.sms.number);
    expect(textOf(page, '.card')).toContain('by SMS to ***-****-2222');
    const entry = await send(browser, page);
    const sms = delivery.vonage.lastTo(people.sms.phone)!;
    expect(sms.type).toBe('unicode');
    expect(sms.from).toBe('JMB');
    expect(sms.authorization).toBe(`Basic ${Buffer.from('test-key:test-secret').toString('base64')}`);
    const code = smsCode(people.sms.phone);
    expect(sms.text).toContain(`@${new URL(app.issuer).host} #${code}`); // origin-bound code line
    expect(textOf(entry, 'details.help')).toContain('sent by SMS from “03-5460-0124”');

    // A member with no passkey on this browser is offered one (that SMS code counts as its check).
    const offer = await enter(browser, entry, code);
    expect(textOf(offer, 'h1')).toBe('Create a passkey on this device?');
    expect(offer.html.querySelector('a.button:not(.secondary)')!.getAttribute('href')).toMatch(
      /\/passkey\/offer\/register$/,
    );
    const later = await notNow(browser, offer);
    const claims = (await finish(later, pending)).claims()!;
    expect(claims.acr).toBe(ACR.otp);
    expect(claims.amr).toEqual(['pwd', 'otp', 'sms', 'mfa']);

    // "Not now" is remembered on this browser: the next SMS sign-in goes straight to the app.
    clock.advanceSeconds(61); // past the resend cooldown
    const again = await passwordStep(people.sms.number, { acr_values: ACR.otp, prompt: 'login' }, browser);
    const next = await enter(browser, await send(browser, again.page), smsCode(people.sms.phone));
    expect(isCallback(next.url)).toBe(true);
  });

  it('uses e-mail for a member who chose SMS but lives outside Japan', async () => {
    const { browser, page } = await passwordStep(people.abroad.number);
    expect(textOf(page, '.card')).toContain('by e-mail to a***@example.com');
    await send(browser, page);
    expect(delivery.vonage.sent.some((sms) => sms.to === '447911123456')).toBe(false);
    expect(delivery.smtp.lastTo(people.abroad.email)).toBeDefined();
  });

  it('tells a member with nowhere to receive a code to contact the Center', async () => {
    const { page } = await passwordStep(people.nowhere.number);
    expect(page.status).toBe(409);
    expect(textOf(page, '[role=alert]')).toMatch(/Please contact the JAL Mileage Bank Center/);
    expect(page.html.querySelector('form[action$="/otp/send"]')).toBeNull();
  });

  it('is asked of an existing session that lacks it, and never satisfied silently', async () => {
    const first = await passwordStep(people.email.number, {});
    const plain = await finish(first.page, first.pending);
    expect(plain.claims()!.acr).toBe(ACR.password);

    const silent = await authorizationUrl(rp, { acr_values: ACR.otp, prompt: 'none' });
    const refused = await first.browser.go(silent.url, { stopAt: isCallback });
    expect(new URL(refused.url).searchParams.get('error')).toBe('login_required');

    // Without prompt=none the member is asked only for the missing step, not the password again.
    const pending = await authorizationUrl(rp, { acr_values: ACR.otp });
    const page = await first.browser.go(pending.url, { stopAt: isCallback });
    expect(page.html.querySelector('form[action$="/login"]')).toBeNull();
    const entry = await send(first.browser, page);
    const claims = (await finish(await enter(first.browser, entry, mailCode(people.email.email)), pending)).claims()!;
    expect(claims.acr).toBe(ACR.otp);
    expect(claims.auth_time).toBeGreaterThanOrEqual(plain.claims()!.auth_time!);

    // Now the session has the step: the same request is satisfied without a prompt.
    const again = await authorizationUrl(rp, { acr_values: ACR.otp, prompt: 'none' });
    const ok = await first.browser.go(again.url, { stopAt: isCallback });
    expect((await finish(ok, again)).claims()!.acr).toBe(ACR.otp);
  });

  it('is required by an app whose minimum level is the OTP one, whatever it asks for', async () => {
    const strict = await app.context.clients.create({
      name: 'Award booking',
      kind: 'web',
      redirectUris: [REDIRECT],
      firstParty: true,
      minAcr: ACR.otp,
    });
    const strictRp = await discoverRp(app.issuer, { ...strict, redirectUri: REDIRECT });
    const browser = new Browser();
    browser.headers['accept-language'] = 'en';
    const pending = await authorizationUrl(strictRp, { acr_values: ACR.password });
    const login = await browser.go(pending.url, { stopAt: isCallback });
    const page = await browser.submit(
      login,
      'form[action$="/login"]',
      { membershipNumber: people.email.number, password },
      { stopAt: isCallback },
    );
    expect(textOf(page, 'h1')).toBe('One-time password');
    const entry = await send(browser, page);
    const done = await enter(browser, entry, mailCode(people.email.email));
    const tokens = await exchangeCode(strictRp, done.url, pending);
    expect(tokens.claims()!.acr).toBe(ACR.password);
    expect(tokens.claims()!.amr).toContain('otp');
  });

  it('reports the password level when the app accepts either', async () => {
    const { page, pending } = await passwordStep(people.email.number, { acr_values: `${ACR.password} ${ACR.otp}` });
    expect((await finish(page, pending)).claims()!.acr).toBe(ACR.password);
  });

  it('refuses the code after five wrong tries, and a new code works', async () => {
    const { browser, page, pending } = await passwordStep(people.email.number);
    let entry = await send(browser, page);
    const right = mailCode(people.email.email);
    const wrong = right === '000000' ? '111111' : '000000';
    for (let remaining = 4; remaining >= 1; remaining -= 1) {
      entry = await enter(browser, entry, wrong);
      expect(entry.status).toBe(401);
      expect(textOf(entry, '[role=alert]')).toBe(
        `The one-time password is incorrect. You can try ${remaining} more time(s).`,
      );
    }
    entry = await enter(browser, entry, wrong);
    expect(textOf(entry, '[role=alert]')).toMatch(/entered incorrectly too many times/);
    entry = await enter(browser, entry, right);
    expect(isCallback(entry.url)).toBe(false);

    clock.advanceSeconds(61);
    entry = await browser.submit(entry, 'form[action$="/otp/send"]');
    const done = await enter(browser, entry, mailCode(people.email.email));
    expect((await finish(done, pending)).claims()!.acr).toBe(ACR.otp);
  });

  it('keeps only the latest code valid, with a resend cooldown', async () => {
    const { browser, page, pending } = await passwordStep(people.email.number);
    let entry = await send(browser, page);
    const older = mailCode(people.email.email);
    entry = await browser.submit(entry, 'form[action$="/otp/send"]');
    expect(entry.status).toBe(429);
    expect(textOf(entry, '[role=alert]')).toMatch(
      /^Please wait \d+ seconds before requesting another one-time password\.$/,
    );

    clock.advanceSeconds(61);
    entry = await browser.submit(entry, 'form[action$="/otp/send"]');
    const newer = mailCode(people.email.email);
    if (older !== newer) {
      const refused = await enter(browser, entry, older);
      expect(textOf(refused, '[role=alert]')).toMatch(/The one-time password is incorrect/);
    }
    expect((await finish(await enter(browser, entry, newer), pending)).claims()!.acr).toBe(ACR.otp);
  });

  it('tells the member when a code could not be delivered, and lets them retry at once', async () => {
    const { browser, page, pending } = await passwordStep(people.sms.number);
    delivery.vonage.failNext();
    const failed = await send(browser, page);
    expect(failed.status).toBe(502);
    expect(textOf(failed, '[role=alert]')).toBe(
      'We could not send the one-time password to your mobile phone (SMS). Please check it and try again.',
    );
    expect(failed.html.querySelector('form[action$="/otp/send"]')).not.toBeNull();
    expect(
      await app.connection.collection('codes').countDocuments({ binding: new URL(failed.url).pathname.split('/')[2] }),
    ).toBe(0);
    const audit = await app.connection.collection('audit_events').findOne({ type: 'otp.delivery_failed' });
    expect(audit?.detail).toMatchObject({ channel: 'sms', to: '***-****-2222' });

    const entry = await browser.submit(failed, 'form[action$="/otp/send"]');
    expect(entry.status).toBe(200);
    const offer = await enter(browser, entry, smsCode(people.sms.phone));
    expect((await finish(await notNow(browser, offer), pending)).claims()!.amr).toContain('sms');
  });

  it('explains a malformed code and accepts full-width digits', async () => {
    const { browser, page, pending } = await passwordStep(people.email.number);
    let entry = await send(browser, page);
    entry = await enter(browser, entry, '12ab');
    expect(entry.status).toBe(400);
    expect(textOf(entry, '[role=alert]')).toBe('Enter the 6-digit one-time password.');
    const fullWidth = mailCode(people.email.email).replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
    expect((await finish(await enter(browser, entry, fullWidth), pending)).claims()!.acr).toBe(ACR.otp);
  });

  it('refuses the OTP form with a wrong CSRF token', async () => {
    const { browser, page } = await passwordStep(people.email.number);
    const entry = await send(browser, page);
    const refused = await browser.submit(entry, 'form[action$="/otp/verify"]', {
      code: mailCode(people.email.email),
      _csrf: 'nope',
    });
    expect(refused.status).toBe(403);
  });
});
