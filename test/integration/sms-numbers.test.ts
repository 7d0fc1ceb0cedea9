import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ManualClock } from '../../src/clock.js';
import { startTestApp, type TestApp, uniqueDbName } from '../support/app.js';
import { Browser, textOf } from '../support/browser.js';
import { PASSWORD, type SmsTestBed, signInForCode, smsRequest, startSmsTestBed, toNextHour } from '../support/sms.js';
import { codeIn } from '../support/vonage.js';

/**
 * The SMS controls that look at the number (SMS_PREFIX_PER_HOUR=3 here): allowed country calling
 * codes only, a velocity limit per number range, and a growing wait between SMS to one number,
 * each driven through the real Vonage SDK and its stand-in.
 */
let bed: SmsTestBed;
let app: TestApp;
const clock = new ManualClock({ running: true });
const hana = { number: '', email: 'hana@example.jp', phone: '+819055550001' };

beforeAll(async () => {
  bed = await startSmsTestBed({ name: 'sms-numbers', clock, env: { SMS_PREFIX_PER_HOUR: '3' } });
  app = bed.app;
  hana.number = await bed.member(hana.phone, hana.email);
});

afterAll(() => bed?.close());

beforeEach(async () => {
  await app.connection.collection('rate_limits').deleteMany({});
  toNextHour(clock);
});

const sent = () => bed.sent();
const issue = (to: string, overrides = {}) => app.context.otp.issue(smsRequest(to, overrides));
const refusals = () => app.connection.collection('audit_events').find({ type: 'otp.sms_refused' }).toArray();

describe('SMS country calling codes (SMS_CALLING_CODES=+81)', () => {
  it('sends nothing to a number of another country, and records why without the number', async () => {
    const before = sent();
    expect(await issue('+447911123456')).toEqual({ ok: false, reason: 'smsUnavailable', cause: 'callingCode' });
    expect(await issue('+18765550143')).toEqual({ ok: false, reason: 'smsUnavailable', cause: 'callingCode' });
    expect(sent()).toBe(before);
    const details = (await refusals()).filter((e) => e.detail.reason === 'callingCode').map((e) => e.detail);
    expect(details).toHaveLength(2);
    expect(details).toEqual(
      expect.arrayContaining([
        { purpose: 'account', reason: 'callingCode', callingCode: '+44', to: '***-****-3456' },
        { purpose: 'account', reason: 'callingCode', callingCode: '+1', to: '***-****-0143' },
      ]),
    );
  });

  it('refuses to register such a number in My account, even for a member living in Japan', async () => {
    const browser = new Browser();
    browser.headers['accept-language'] = 'en';
    const login = await browser.go(`${app.baseUrl}/account/phone`);
    const verify = await browser.submit(login, 'form[action$="/login"]', {
      membershipNumber: hana.number,
      password: PASSWORD,
    });
    const entry = await browser.submit(verify, 'form[action^="/account/verify/send"]');
    await browser.submit(entry, 'form[action^="/account/verify/check"]', {
      code: codeIn(bed.delivery.vonage.lastTo(hana.phone)?.text),
    });
    // (an SMS step-up offers a passkey first)
    const form = await browser.go(`${app.baseUrl}/account/phone`);
    expect(textOf(form, 'h1')).toBe('Register your mobile phone number for SMS');
    const before = sent();
    const refused = await browser.submit(form, 'form[action="/account/phone"]', { phone: '+44 7911 123456' });
    expect(refused.status).toBe(400);
    expect(textOf(refused, '[role=alert]')).toBe(
      'Text messages (SMS) can only be sent to mobile phone numbers with the country code +81.',
    );
    expect(sent()).toBe(before);
    expect((await app.context.members.findByMembershipNumber(hana.number))?.phone).toBe(hana.phone);
  });
});

describe('the velocity limit per number range', () => {
  it('stops an attack spread over many numbers of one range, for an hour', async () => {
    for (const last of ['0001', '0002', '0003']) expect((await issue(`+81901200${last}`)).ok).toBe(true);
    const before = sent();
    expect(await issue('+819012000004')).toEqual({ ok: false, reason: 'smsUnavailable', cause: 'prefix' });
    expect(await issue('+819012999999')).toEqual({ ok: false, reason: 'smsUnavailable', cause: 'prefix' });
    expect(sent()).toBe(before);
    expect((await issue('+819013000001')).ok).toBe(true); // another range
    expect((await refusals()).map((e) => e.detail)).toContainEqual(
      expect.objectContaining({ reason: 'prefix', callingCode: '+81', to: '***-****-9999' }),
    );

    clock.advanceSeconds(3600);
    expect((await issue('+819012000005')).ok).toBe(true);
    expect(sent()).toBe(before + 2);
  });

  it('offers a member in a busy range the e-mail code', async () => {
    for (const last of ['0002', '0003', '0004']) expect((await issue(`+81905555${last}`)).ok).toBe(true);
    const before = sent();
    const { browser, page } = await signInForCode(bed, hana.number);
    expect(textOf(page, '[role=status]')).toBe(
      'Text messages (SMS) cannot be sent right now, so we will send your one-time password by e-mail instead.',
    );
    await browser.submit(page, 'form[action$="/otp/send"]');
    expect(bed.delivery.smtp.lastTo(hana.email)).toBeDefined();
    expect(sent()).toBe(before);
  });
});

describe('the backoff between SMS to one number', () => {
  const NUMBER = '+819066660001';
  const waits = async (seconds: number) =>
    expect(await issue(NUMBER)).toEqual({ ok: false, reason: 'cooldown', retryAfterSeconds: seconds });

  it('doubles the wait after each SMS, whoever asks, and starts again after an hour of quiet', async () => {
    const frozen = new ManualClock({ start: clock.now() });
    const paused = await startTestApp({ dbName: uniqueDbName('sms-backoff'), clock: frozen, env: bed.delivery.env });
    const at = (to: string) => paused.context.otp.issue(smsRequest(to));
    const expectWait = async (seconds: number) =>
      expect(await at(NUMBER)).toEqual({ ok: false, reason: 'cooldown', retryAfterSeconds: seconds });
    try {
      const before = sent();
      expect((await at(NUMBER)).ok).toBe(true);
      await expectWait(60);
      frozen.advanceSeconds(60);
      expect((await at(NUMBER)).ok).toBe(true);
      frozen.advanceSeconds(60);
      await expectWait(60);
      frozen.advanceSeconds(60);
      expect((await at(NUMBER)).ok).toBe(true);
      await expectWait(240);
      frozen.advanceSeconds(240);
      expect((await at(NUMBER)).ok).toBe(true);
      await expectWait(480);
      expect(sent()).toBe(before + 4);
      expect((await at('+819066660002')).ok).toBe(true); // another number

      frozen.advanceSeconds(3600);
      expect((await at(NUMBER)).ok).toBe(true);
      await expectWait(60);
    } finally {
      await paused.close();
    }
  });

  it('lets an undelivered SMS be retried at once', async () => {
    bed.delivery.vonage.failNext();
    expect(await issue(NUMBER)).toEqual({ ok: false, reason: 'deliveryFailed', channel: 'sms' });
    expect((await issue(NUMBER)).ok).toBe(true);
    await waits(60);
  });

  it('shows the member the wait', async () => {
    const { browser, page } = await signInForCode(bed, hana.number);
    const entry = await browser.submit(page, 'form[action$="/otp/send"]');
    clock.advanceSeconds(61);
    const again = await browser.submit(entry, 'details.help form');
    clock.advanceSeconds(61);
    const before = sent();
    const refused = await browser.submit(again, 'details.help form');
    expect(refused.status).toBe(429);
    expect(textOf(refused, '[role=alert]')).toMatch(
      /^Please wait (59|58) seconds before requesting another one-time password\.$/,
    );
    expect(sent()).toBe(before);
  });
});
