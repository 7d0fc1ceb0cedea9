import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ACR } from '../../src/assurance/acr.js';
import { ManualClock } from '../../src/clock.js';
import { createLogger } from '../../src/log.js';
import { startTestApp, type TestApp, uniqueDbName } from '../support/app.js';
import { Browser, type Page, textOf } from '../support/browser.js';
import { eventually } from '../support/eventually.js';
import { exchangeCode } from '../support/rp.js';
import {
  isCallback,
  loginPage,
  PASSWORD,
  type SmsTestBed,
  sendSms,
  signInForCode,
  smsRequest,
  startSmsTestBed,
  toNextHour,
  toNextJapaneseMidnight,
} from '../support/sms.js';
import { codeIn } from '../support/vonage.js';

/**
 * The global SMS budget (SMS_BUDGET_PER_HOUR=3, SMS_BUDGET_PER_DAY=4 here) through the real Vonage
 * SDK and its stand-in: once it is used up no SMS leaves, members get the e-mail code instead or
 * are told to try later, one error line says so, and SMS go again when the window ends.
 */
let bed: SmsTestBed;
let app: TestApp;
const clock = new ManualClock({ running: true });
const logged: Array<{ level: number; msg: string; window?: string }> = [];
const withMail = { number: '', email: 'sms.mail@example.jp', phone: '+819011112222' };
const smsOnly = { number: '', phone: '+819033334444' };
const mailFirst = { number: '', email: 'mail.first@example.jp', phone: '+819055556666' };

beforeAll(async () => {
  bed = await startSmsTestBed({
    name: 'sms-budget',
    clock,
    env: { SMS_BUDGET_PER_HOUR: '3', SMS_BUDGET_PER_DAY: '4' },
    logger: createLogger('error', { write: (line: string) => void logged.push(JSON.parse(line)) }),
  });
  app = bed.app;
  withMail.number = await bed.member(withMail.phone, withMail.email);
  smsOnly.number = await bed.member(smsOnly.phone, null);
  mailFirst.number = await bed.member(mailFirst.phone, mailFirst.email, 'email');
});

afterAll(() => bed?.close());

beforeEach(async () => {
  await app.connection.collection('rate_limits').deleteMany({});
  toNextHour(clock);
  logged.length = 0;
});

const budgetLines = () => logged.filter((line) => line.msg.startsWith('SMS budget reached'));
const sent = () => bed.sent();

describe('the global SMS budget', () => {
  it('stops SMS for the rest of the hour, then of the day, and lets them go again by itself', async () => {
    toNextJapaneseMidnight(clock);
    expect((await sendSms(app, 3)).every((result) => result.ok)).toBe(true);
    const before = sent();
    expect(await sendSms(app, 2)).toEqual([
      { ok: false, reason: 'smsUnavailable', cause: 'budget' },
      { ok: false, reason: 'smsUnavailable', cause: 'budget' },
    ]);
    expect(sent()).toBe(before);
    expect(budgetLines()).toEqual([expect.objectContaining({ level: 50, window: 'hour' })]);
    expect(await app.context.smsGuard.budgets()).toEqual([
      expect.objectContaining({ window: 'hour', sent: 3, limit: 3, open: true }),
      expect.objectContaining({ window: 'day', sent: 3, limit: 4, open: false }),
    ]);

    // E-mail is another channel: not counted, not held back.
    const mail = await app.context.otp.issue(smsRequest('', { channel: 'email', destination: 'other@example.jp' }));
    expect(mail.ok).toBe(true);
    expect(bed.delivery.smtp.lastTo('other@example.jp')).toBeDefined();

    const refusal = await app.connection.collection('audit_events').findOne({ type: 'otp.sms_refused' });
    expect(refusal?.detail).toMatchObject({
      reason: 'budget',
      window: 'hour',
      callingCode: '+81',
      to: '***-****-1234',
    });
    expect(JSON.stringify(refusal)).not.toMatch(/8170\d{2}001234/);

    toNextHour(clock);
    expect((await sendSms(app, 1))[0]?.ok).toBe(true);
    expect(sent()).toBe(before + 1);
    expect(await sendSms(app, 1)).toEqual([{ ok: false, reason: 'smsUnavailable', cause: 'budget' }]);
    toNextHour(clock);
    expect(await sendSms(app, 1)).toEqual([{ ok: false, reason: 'smsUnavailable', cause: 'budget' }]);
    expect(sent()).toBe(before + 1);
    expect(budgetLines().map((line) => line.window)).toEqual(['hour', 'day']);

    toNextJapaneseMidnight(clock);
    expect((await sendSms(app, 1))[0]?.ok).toBe(true);
    expect(sent()).toBe(before + 2);
  });

  it('with 0 sends no SMS at all', async () => {
    const closed = await startTestApp({
      dbName: uniqueDbName('sms-budget-zero'),
      clock,
      env: { ...bed.delivery.env, SMS_BUDGET_PER_HOUR: '0' },
    });
    try {
      const before = sent();
      expect(await sendSms(closed, 1)).toEqual([{ ok: false, reason: 'smsUnavailable', cause: 'budget' }]);
      expect(sent()).toBe(before);
    } finally {
      await closed.close();
    }
  });
});

const send = (browser: Browser, page: Page) =>
  browser.submit(page, 'form[action$="/otp/send"]', {}, { stopAt: isCallback });

describe('while the SMS budget is used up', () => {
  it('a sign-in step-up by SMS offers the e-mail code instead', async () => {
    await sendSms(app, 3);
    const before = sent();
    const { browser, page, pending } = await signInForCode(bed, withMail.number);
    expect(textOf(page, '[role=status]')).toBe(
      'Text messages (SMS) cannot be sent right now, so we will send your one-time password by e-mail instead.',
    );
    expect(textOf(page, '.card')).toContain('We will send a one-time password by e-mail to s***@example.jp.');
    const entry = await send(browser, page);
    const done = await browser.submit(
      entry,
      'form[action$="/otp/verify"]',
      { code: codeIn(bed.delivery.smtp.lastTo(withMail.email)?.text) },
      { stopAt: isCallback },
    );
    expect(sent()).toBe(before);
    const claims = (await exchangeCode(bed.rp, done.url, pending)).claims()!;
    expect(claims.acr).toBe(ACR.otp);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('an SMS asked for just as the budget runs out is not sent: the page offers the e-mail code', async () => {
    const { browser, page } = await signInForCode(bed, withMail.number);
    expect(textOf(page, '.card')).toContain('We will send a one-time password by SMS to ***-****-2222.');
    await sendSms(app, 3);
    const before = { sms: sent(), mail: bed.delivery.smtp.inbox.length };
    const offered = await send(browser, page);
    expect(textOf(offered, '[role=status]')).toBe(
      'Text messages (SMS) cannot be sent right now, so we will send your one-time password by e-mail instead.',
    );
    expect(textOf(offered, '.card')).toContain('We will send a one-time password by e-mail to s***@example.jp.');
    expect({ sms: sent(), mail: bed.delivery.smtp.inbox.length }).toEqual(before);
    await send(browser, offered);
    expect(bed.delivery.smtp.inbox.length).toBe(before.mail + 1);
    expect(sent()).toBe(before.sms);
  });

  it('a new code asked for while the last one is still valid says why none was sent', async () => {
    const { browser, page } = await signInForCode(bed, smsOnly.number);
    const entry = await send(browser, page);
    await sendSms(app, 2);
    const before = sent();
    clock.advanceSeconds(61);
    const refused = await browser.submit(entry, 'details.help form');
    expect(refused.status).toBe(503);
    expect(textOf(refused, '[role=alert]')).toBe(
      'Text messages (SMS) cannot be sent right now. Please try again later.',
    );
    expect(refused.html.querySelector('#code')).not.toBeNull();
    expect(sent()).toBe(before);
  });

  it('a member whose code goes by e-mail is not offered SMS instead', async () => {
    const { page } = await signInForCode(bed, mailFirst.number);
    expect(page.html.querySelector('form.alternative')).not.toBeNull();
    await sendSms(app, 3);
    const { page: later } = await signInForCode(bed, mailFirst.number);
    expect(textOf(later, '.card')).toContain('We will send a one-time password by e-mail to m***@example.jp.');
    expect(later.html.querySelector('form.alternative')).toBeNull();
  });

  it('a password reset by SMS goes by e-mail', async () => {
    await sendSms(app, 3);
    const before = sent();
    const { browser, login } = await loginPage(bed);
    const form = await browser.go(
      new URL(login.html.querySelector('a[href$="/recovery"]')!.getAttribute('href')!, login.url).href,
    );
    const seen = bed.delivery.smtp.inbox.length;
    await browser.submit(form, 'form[action$="/recovery"]', { membershipNumber: withMail.number });
    const mail = await eventually(() => bed.delivery.smtp.inbox.slice(seen).find((m) => m.to.includes(withMail.email)));
    expect(codeIn(mail.text)).toMatch(/^\d{6}$/);
    expect(sent()).toBe(before);
  });

  it('a member with no e-mail address to fall back on is told to try later, and SMS go again after the hour', async () => {
    toNextHour(clock, -90);
    await sendSms(app, 3);
    const before = sent();
    const { browser, page } = await signInForCode(bed, smsOnly.number);
    expect(page.status).toBe(503);
    expect(textOf(page, '[role=alert]')).toBe('Text messages (SMS) cannot be sent right now. Please try again later.');
    expect(page.html.querySelector('form[action$="/otp/send"]')).toBeNull();

    clock.advanceSeconds(91);
    const again = await browser.go(page.url);
    expect(textOf(again, '.card')).toContain('We will send a one-time password by SMS to ***-****-4444.');
    await send(browser, again);
    expect(sent()).toBe(before + 1);
    expect(bed.delivery.vonage.lastTo(smsOnly.phone)).toBeDefined();
  });
});

describe('while the SMS budget is used up, in My account (in Japanese)', () => {
  it('the step-up goes by e-mail; a passkey and a new number, which need SMS, wait', async () => {
    await sendSms(app, 3);
    const before = sent();
    const browser = new Browser();
    browser.headers['accept-language'] = 'ja';
    const login = await browser.go(`${app.baseUrl}/account`);
    const verify = await browser.submit(login, 'form[action$="/login"]', {
      membershipNumber: withMail.number,
      password: PASSWORD,
    });
    expect(new URL(verify.url).pathname).toBe('/account/verify');
    expect(textOf(verify, '[role=status]')).toBe(
      '現在SMSを送信できないため、ワンタイムパスワードをメールでお送りします。',
    );
    expect(textOf(verify, '.card')).toContain('s***@example.jpにメールでワンタイムパスワードを送信します。');
    const entry = await browser.submit(verify, 'form[action^="/account/verify/send"]');
    const overview = await browser.submit(entry, 'form[action^="/account/verify/check"]', {
      code: codeIn(bed.delivery.smtp.lastTo(withMail.email)?.text),
    });
    expect(new URL(overview.url).pathname).toBe('/account');

    const passkey = await browser.go(`${app.baseUrl}/account/passkeys/sms`);
    expect(passkey.status).toBe(503);
    expect(textOf(passkey, '[role=alert]')).toBe('現在SMSを送信できません。しばらくしてから再度お試しください。');
    expect(passkey.html.querySelector('form[action^="/account/passkeys/sms/send"]')).toBeNull();

    const form = await browser.go(`${app.baseUrl}/account/phone`);
    const refused = await browser.submit(form, 'form[action="/account/phone"]', { phone: '090-7777-8888' });
    expect(refused.status).toBe(503);
    expect(textOf(refused, '[role=alert]')).toBe('現在SMSを送信できません。しばらくしてから再度お試しください。');
    expect((await app.context.members.findByMembershipNumber(withMail.number))?.phone).toBe(withMail.phone);
    expect(sent()).toBe(before);
  });
});
