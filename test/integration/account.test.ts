import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ManualClock } from '../../src/clock.js';
import { memberModel, startTestApp, type TestApp, uniqueDbName } from '../support/app.js';
import { Browser, findForm, type Page, textOf } from '../support/browser.js';
import { type DeliveryStandIns, startDeliveryStandIns } from '../support/delivery.js';
import { codeIn } from '../support/vonage.js';

/**
 * My account over HTTP: sign-in through the provider, the one-time-password step-up, and the
 * changes the seed describes (e-mail address, the four steps of a mobile number, notification
 * destination), with bad input answered clearly and nothing changed.
 */
let app: TestApp;
let delivery: DeliveryStandIns;
const clock = new ManualClock({ running: true });
const password = 'my account password';
const taro = { number: '', id: '', email: 'taro@example.jp' };
const abroad = { number: '', id: '', email: 'anna@example.co.uk' };

beforeAll(async () => {
  delivery = await startDeliveryStandIns();
  app = await startTestApp({ dbName: uniqueDbName('account'), clock, env: delivery.env });
  const t = await app.context.members.create({
    familyName: '山田',
    givenName: '太郎',
    email: taro.email,
    countryOfResidence: 'JP',
    password,
    locale: 'en',
  });
  Object.assign(taro, { number: t.membershipNumber, id: t._id });
  const a = await app.context.members.create({
    familyName: 'Smith',
    givenName: 'Anna',
    email: abroad.email,
    countryOfResidence: 'GB',
    password,
    locale: 'en',
  });
  Object.assign(abroad, { number: a.membershipNumber, id: a._id });
  await app.context.members.create({
    familyName: 'Other',
    givenName: 'Member',
    email: 'taken@example.jp',
    phone: '080-9999-0000',
    countryOfResidence: 'JP',
    password,
  });
});

afterAll(async () => {
  await app?.close();
  await delivery?.close();
});

beforeEach(async () => {
  await app.connection.collection('rate_limits').deleteMany({});
});

const member = async (id: string) => (await app.context.members.findById(id))!;
const lastCodeTo = (address: string) => codeIn(delivery.smtp.lastTo(address)?.text);

/** Signs in through the provider's login page; ends on the step-up page. */
async function signIn(who: { number: string }, browser = new Browser()): Promise<{ browser: Browser; page: Page }> {
  browser.headers['accept-language'] = 'en';
  const login = await browser.go(`${app.baseUrl}/account`);
  expect(textOf(login, 'p')).toContain('Sign in to My account');
  const page = await browser.submit(login, 'form[action$="/login"]', { membershipNumber: who.number, password });
  return { browser, page };
}

/** Signs in and completes the step-up by e-mail; ends on the membership information page. */
async function signInAndStepUp(who: { number: string; email: string }) {
  const { browser, page } = await signIn(who);
  const entry = await browser.submit(page, 'form[action^="/account/verify/send"]');
  const overview = await browser.submit(entry, 'form[action^="/account/verify/check"]', {
    code: lastCodeTo(who.email),
  });
  expect(textOf(overview, 'h1')).toBe('Membership information');
  return { browser, page: overview };
}

describe('My account', () => {
  it('needs a sign-in and then a one-time password before showing membership information', async () => {
    const { browser, page } = await signIn(taro);
    expect(new URL(page.url).pathname).toBe('/account/verify');
    expect(textOf(page, 'h1')).toBe('Confirm it is you');
    expect(textOf(page, '.card')).toContain('We will send a one-time password by e-mail to t***@example.jp.');
    expect(page.body).not.toContain(taro.email);

    const entry = await browser.submit(page, 'form[action^="/account/verify/send"]');
    expect(textOf(entry, 'details.help')).toContain('One-time passwords are sent from jmb_confirmation@jal.example');
    expect(textOf(entry, 'details.help')).toContain('please allow “@jal.example”');
    const wrong = await browser.submit(entry, 'form[action^="/account/verify/check"]', { code: '00000x' });
    expect(textOf(wrong, '[role=alert]')).toBe('Enter the 6-digit one-time password.');
    const overview = await browser.submit(wrong, 'form[action^="/account/verify/check"]', {
      code: lastCodeTo(taro.email),
    });
    expect(new URL(overview.url).pathname).toBe('/account');
    expect(textOf(overview, '#email')).toBe(taro.email);
    expect(textOf(overview, 'dl')).toContain(taro.number);
  });

  it('asks for a new one-time password after the step-up has aged ten minutes', async () => {
    const { browser } = await signInAndStepUp(taro);
    clock.advanceSeconds(9 * 60);
    expect(new URL((await browser.go(`${app.baseUrl}/account`)).url).pathname).toBe('/account');
    clock.advanceSeconds(61);
    const page = await browser.go(`${app.baseUrl}/account/email`);
    expect(new URL(page.url).pathname).toBe('/account/verify');
    expect(new URL(page.url).searchParams.get('return')).toBe('/account/email');
  });

  it('keeps the code page working while the member checks their mail', async () => {
    const { browser, page } = await signIn(taro);
    const entry = await browser.submit(page, 'form[action^="/account/verify/send"]');
    clock.advanceSeconds(9 * 60 + 30);
    const overview = await browser.submit(entry, 'form[action^="/account/verify/check"]', {
      code: lastCodeTo(taro.email),
    });
    expect(textOf(overview, 'h1')).toBe('Membership information');
  });

  it('logs out of My account and of the provider', async () => {
    const { browser, page } = await signInAndStepUp(taro);
    const confirm = await browser.submit(page, 'form[action="/account/logout"]');
    expect(textOf(confirm, 'h1')).toBe('Log out');
    const done = await browser.submit(confirm, 'form#op\\.logoutForm', { logout: 'yes' });
    expect(new URL(done.url).pathname).toBe('/account/signed-out');
    const again = await browser.go(`${app.baseUrl}/account`);
    expect(again.html.querySelector('form[action$="/login"]')).not.toBeNull();
  });
});

describe('changing the e-mail address', () => {
  it.each([
    [
      '.abcd@example.co.jp',
      ['The part before the @ must not start with a period (.), and must not end with a period just before the @.'],
    ],
    [
      'abcd.@example.co.jp',
      ['The part before the @ must not start with a period (.), and must not end with a period just before the @.'],
    ],
    ['ab..cd@example.co.jp', ['The part before the @ must not contain consecutive periods (..).']],
    [
      'ab[cd@example.co.jp',
      ["The part before the @ may only contain letters, digits and the symbols . ! # $ % & ' * + - / = ? ^ _ { | } ~"],
    ],
    [
      'ab@cd@example.co.jp',
      ["The part before the @ may only contain letters, digits and the symbols . ! # $ % & ' * + - / = ? ^ _ { | } ~"],
    ],
    ['not-an-address', ['Enter a valid e-mail address, such as name@example.co.jp.']],
  ])('refuses %s with the rule it breaks, and changes nothing', async (address, messages) => {
    const { browser } = await signInAndStepUp(taro);
    const before = delivery.smtp.inbox.length;
    const form = await browser.go(`${app.baseUrl}/account/email`);
    const refused = await browser.submit(form, 'form[action="/account/email"]', { email: address });
    expect(refused.status).toBe(400);
    expect(refused.html.querySelectorAll('[role=alert] li').map((li) => li.text.trim())).toEqual(messages);
    expect(refused.html.querySelector('#email')?.getAttribute('value')).toBe(address);
    expect((await member(taro.id)).email).toBe(taro.email);
    expect(delivery.smtp.inbox.length).toBe(before);
  });

  it('confirms the new address with a code sent to it, then tells the old address', async () => {
    const { browser } = await signInAndStepUp(taro);
    const form = await browser.go(`${app.baseUrl}/account/email`);
    const confirm = await browser.submit(form, 'form[action="/account/email"]', { email: 'Taro.New@Example.jp' });
    expect(new URL(confirm.url).pathname).toBe('/account/email/confirm');
    expect(textOf(confirm, '[role=status]')).toContain('by e-mail to t***@example.jp');
    expect((await member(taro.id)).email).toBe(taro.email); // not before the code

    const code = lastCodeTo('taro.new@example.jp');
    const wrong = await browser.submit(confirm, 'form[action^="/account/email/confirm/check"]', {
      code: code === '999999' ? '111111' : '999999',
    });
    expect(textOf(wrong, '[role=alert]')).toMatch(/incorrect/);
    expect((await member(taro.id)).email).toBe(taro.email);

    const overview = await browser.submit(wrong, 'form[action^="/account/email/confirm/check"]', { code });
    expect(textOf(overview, '[role=status]')).toBe(
      'Your e-mail address has been changed. We have informed your previous address.',
    );
    expect(textOf(overview, '#email')).toBe('taro.new@example.jp');
    const changed = await member(taro.id);
    expect(changed).toMatchObject({ email: 'taro.new@example.jp', emailVerified: true });

    const notice = delivery.smtp.lastTo(taro.email)!;
    expect(notice.subject).toBe('Your JMB e-mail address was changed');
    expect(notice.text).toContain('t***@example.jp');
    const audit = await app.connection
      .collection('audit_events')
      .findOne({ type: 'profile.email_changed', memberId: taro.id, outcome: 'success' });
    expect(audit?.detail).toEqual({ from: 't***@example.jp', to: 't***@example.jp' });
    expect(JSON.stringify(audit)).not.toContain('taro.new@example.jp');

    await memberModel(app).updateOne({ _id: taro.id }, { $set: { email: taro.email } });
  });

  it('names the field a new member collides on (the in-memory server gives no keyPattern)', async () => {
    await expect(
      app.context.members.create({
        familyName: 'Copy',
        givenName: 'Cat',
        email: 'taken@example.jp',
        countryOfResidence: 'JP',
      }),
    ).rejects.toThrow('email: is already registered to another member');
  });

  it('refuses an address another member has, without saying whose', async () => {
    const { browser } = await signInAndStepUp(taro);
    const form = await browser.go(`${app.baseUrl}/account/email`);
    const confirm = await browser.submit(form, 'form[action="/account/email"]', { email: 'taken@example.jp' });
    const done = await browser.submit(confirm, 'form[action^="/account/email/confirm/check"]', {
      code: lastCodeTo('taken@example.jp'),
    });
    expect(done.status).toBe(409);
    expect(textOf(done, '[role=alert]')).toBe(
      'This e-mail address cannot be registered. Please use a different address.',
    );
    expect((await member(taro.id)).email).toBe(taro.email);
  });

  it('sends members living outside Japan to the Mileage Bank Center', async () => {
    const { browser } = await signInAndStepUp(abroad);
    const page = await browser.go(`${app.baseUrl}/account/email`);
    expect(textOf(page, '[role=alert]')).toMatch(
      /Members living outside Japan cannot change their e-mail address here/,
    );
    expect(page.html.querySelector('form[action="/account/email"]')).toBeNull();
    const forced = await browser.go(`${app.baseUrl}/account/email`, {
      form: { _csrf: findForm(page, 'form[action="/account/logout"]').fields._csrf!, email: 'new@example.com' },
    });
    expect(forced.status).toBe(403);
    expect((await member(abroad.id)).email).toBe(abroad.email);
  });

  it('refuses a change without the CSRF token', async () => {
    const { browser } = await signInAndStepUp(taro);
    const refused = await browser.go(`${app.baseUrl}/account/email`, { form: { email: 'csrf@example.jp' } });
    expect(refused.status).toBe(403);
    expect((await member(taro.id)).email).toBe(taro.email);
  });
});

describe('registering a mobile number for SMS (the four steps)', () => {
  it.each([
    [
      'abc',
      'Enter a valid mobile phone number, such as 090-1234-5678 (outside Japan, start with + and the country code).',
    ],
    [
      '090-1234',
      'Enter a valid mobile phone number, such as 090-1234-5678 (outside Japan, start with + and the country code).',
    ],
    ['03-1234-5678', 'This is not a mobile phone number. Text messages (SMS) can only be sent to a mobile phone.'],
  ])('step 1 refuses %s clearly', async (typed, message) => {
    const { browser } = await signInAndStepUp(taro);
    const form = await browser.go(`${app.baseUrl}/account/phone`);
    const refused = await browser.submit(form, 'form[action="/account/phone"]', { phone: typed });
    expect(refused.status).toBe(400);
    expect(textOf(refused, '[role=alert]')).toBe(message);
    expect((await member(taro.id)).phone).toBeUndefined();
  });

  it('sends a code to the phone, verifies it, then sets the destination to SMS', async () => {
    const { browser } = await signInAndStepUp(taro);
    const form = await browser.go(`${app.baseUrl}/account/phone`);
    expect(form.html.querySelectorAll('ol.steps li')).toHaveLength(4);
    // Step 1 and 2
    const confirm = await browser.submit(form, 'form[action="/account/phone"]', { phone: '090-2468-1357' });
    expect(new URL(confirm.url).pathname).toBe('/account/phone/confirm');
    expect(textOf(confirm, '[role=status]')).toContain('by SMS to ***-****-1357');
    expect((await member(taro.id)).phone).toBeUndefined();
    // Step 3
    const step4 = await browser.submit(confirm, 'form[action^="/account/phone/confirm/check"]', {
      code: codeIn(delivery.vonage.lastTo('+819024681357')?.text),
    });
    expect(new URL(step4.url).pathname).toBe('/account/notification');
    expect(textOf(step4, '[role=status]')).toMatch(
      /As the last step, set your notification destination to “Mobile Phone \(SMS\)”/,
    );
    expect(step4.html.querySelector('input[value=sms]')?.getAttribute('checked')).not.toBeUndefined();
    expect(await member(taro.id)).toMatchObject({
      phone: '+819024681357',
      phoneVerified: true,
      notificationChannel: 'email',
    });
    expect(delivery.smtp.lastTo(taro.email)?.subject).toBe('Your JMB mobile phone number was changed');
    // Step 4
    const saved = await browser.submit(step4, 'form[action="/account/notification"]', { channel: 'sms' });
    expect(textOf(saved, '[role=status]')).toBe('Your notification destination has been saved.');
    expect((await member(taro.id)).notificationChannel).toBe('sms');
    expect(
      await app.connection
        .collection('audit_events')
        .findOne({ type: 'profile.notification_changed', memberId: taro.id }),
    ).toMatchObject({ detail: { from: 'email', to: 'sms' } });
    expect(
      await app.connection.collection('audit_events').findOne({ type: 'profile.phone_changed', memberId: taro.id }),
    ).toMatchObject({ detail: { from: null, to: '***-****-1357' } });

    // The next step-up goes by SMS.
    const next = await signIn(taro);
    expect(textOf(next.page, '.card')).toContain('by SMS to ***-****-1357');

    await memberModel(app).updateOne(
      { _id: taro.id as never },
      { $unset: { phone: 1 }, $set: { phoneVerified: false, notificationChannel: 'email' } },
    );
  });

  it('refuses a number another member has', async () => {
    const { browser } = await signInAndStepUp(taro);
    const form = await browser.go(`${app.baseUrl}/account/phone`);
    const confirm = await browser.submit(form, 'form[action="/account/phone"]', { phone: '080-9999-0000' });
    const done = await browser.submit(confirm, 'form[action^="/account/phone/confirm/check"]', {
      code: codeIn(delivery.vonage.lastTo('+818099990000')?.text),
    });
    expect(done.status).toBe(409);
    expect(textOf(done, '[role=alert]')).toBe(
      'This mobile phone number cannot be registered. Please use a different number.',
    );
    expect((await member(taro.id)).phone).toBeUndefined();
  });

  it('is only for members living in Japan', async () => {
    const { browser } = await signInAndStepUp(abroad);
    const page = await browser.go(`${app.baseUrl}/account/phone`);
    expect(textOf(page, '[role=alert]')).toMatch(/only available to members living in Japan/);
    expect(page.html.querySelector('form[action="/account/phone"]')).toBeNull();
  });

  it('will not set SMS as the destination without a verified number', async () => {
    const { browser } = await signInAndStepUp(taro);
    const page = await browser.go(`${app.baseUrl}/account/notification`);
    expect(page.html.querySelector('input[value=sms]')?.hasAttribute('disabled')).toBe(true);
    const refused = await browser.go(`${app.baseUrl}/account/notification`, {
      form: { _csrf: findForm(page, 'form[action="/account/notification"]').fields._csrf!, channel: 'sms' },
    });
    expect(refused.status).toBe(400);
    expect(textOf(refused, '[role=alert]')).toMatch(
      /To choose SMS, first register and verify your mobile phone number/,
    );
    expect((await member(taro.id)).notificationChannel).toBe('email');
  });
});
