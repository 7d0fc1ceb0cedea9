import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { ACR } from '../../src/assurance/acr.js';
import { ManualClock } from '../../src/clock.js';
import { serviceToken } from '../support/admin-api.js';
import { memberModel, startTestApp, type TestApp, uniqueDbName } from '../support/app.js';
import { Browser, type Page, textOf } from '../support/browser.js';
import { type DeliveryStandIns, startDeliveryStandIns } from '../support/delivery.js';
import { eventually } from '../support/eventually.js';
import { authorizationUrl, discoverRp, exchangeCode, oidc, type RelyingParty } from '../support/rp.js';
import { codeIn } from '../support/vonage.js';

/**
 * A member who forgot the password: from a relying app's login page, the membership number, a
 * code to the notification destination, a new password that follows the rules, and back to the
 * app's sign-in; everything of the member ends. Unknown numbers get the same pages and nothing is
 * sent. And the service centre's single-use link.
 */
let app: TestApp;
let delivery: DeliveryStandIns;
let rp: RelyingParty;
const clock = new ManualClock({ running: true });
const REDIRECT = 'https://rp.example.com/cb';
const isCallback = (url: string) => url.startsWith(REDIRECT);
const UNKNOWN = '100000009';
const hanako = { id: '', number: '', email: 'hanako.reset@example.jp', password: 'the first long password' };
const ken = {
  id: '',
  number: '',
  email: 'ken.reset@example.jp',
  phone: '+819055556666',
  password: 'kens old long password',
};

beforeAll(async () => {
  delivery = await startDeliveryStandIns();
  app = await startTestApp({ dbName: uniqueDbName('recovery'), clock, env: delivery.env });
  const h = await app.context.members.create({
    familyName: 'Reset',
    givenName: 'Hanako',
    email: hanako.email,
    countryOfResidence: 'JP',
    password: hanako.password,
    locale: 'en',
  });
  Object.assign(hanako, { id: h._id, number: h.membershipNumber });
  const k = await app.context.members.create({
    familyName: 'Reset',
    givenName: 'Ken',
    email: ken.email,
    phone: '090-5555-6666',
    notificationChannel: 'sms',
    countryOfResidence: 'JP',
    password: ken.password,
    locale: 'en',
  });
  Object.assign(ken, { id: k._id, number: k.membershipNumber });
  const client = await app.context.clients.create({
    name: 'Mileage Shop',
    kind: 'web',
    redirectUris: [REDIRECT],
    firstParty: true,
  });
  rp = await discoverRp(app.issuer, { ...client, redirectUri: REDIRECT });
});

afterAll(async () => {
  await app?.close();
  await delivery?.close();
});

beforeEach(async () => {
  await app.connection.collection('rate_limits').deleteMany({});
});

async function loginPage(params: Record<string, string> = {}, browser = new Browser()) {
  browser.headers['accept-language'] = 'en';
  const pending = await authorizationUrl(rp, params);
  const page = await browser.go(pending.url);
  return { browser, page, pending, uid: new URL(page.url).pathname.split('/')[2]! };
}

/** Login page → "Forgot your password?" → the number; the page that asks for the code. */
async function forgot(browser: Browser, page: Page, membershipNumber: string) {
  const link = page.html.querySelector('a[href$="/recovery"]')!;
  const form = await browser.go(new URL(link.getAttribute('href')!, page.url).href);
  return browser.submit(form, 'form[action$="/recovery"]', { membershipNumber });
}

/** The page as a member sees it, without what differs per request anyway (tokens, ids). */
const comparable = (page: Page) =>
  page.body
    .replace(/name="_csrf" value="[^"]+"/g, '')
    .replace(/\/interaction\/[\w-]+/g, '/interaction/UID')
    .replace(/%2Finteraction%2F[\w-]+/g, '%2Finteraction%2FUID');

/**
 * The next e-mail with a one-time password to `address` from now on (not one that arrived before;
 * notices sent in the background, such as the one about a new browser, may come in between).
 */
function nextMail(address: string) {
  const seen = delivery.smtp.inbox.length;
  return () =>
    eventually(() =>
      delivery.smtp.inbox.slice(seen).find((mail) => mail.to.includes(address) && /\b\d{6}\b/.test(mail.text)),
    );
}

describe('forgot your password', () => {
  it('is linked from the login page, in Japanese and English', async () => {
    const { page } = await loginPage();
    expect(textOf(page, 'a[href$="/recovery"]')).toBe('Forgot your password?');
    const ja = new Browser();
    ja.headers['accept-language'] = 'ja';
    const jaPage = await ja.go((await authorizationUrl(rp)).url);
    expect(textOf(jaPage, 'a[href$="/recovery"]')).toBe('パスワードをお忘れの方');
  });

  it('answers an unknown number with the same pages, and sends nothing', async () => {
    const known = await loginPage();
    const mail = nextMail(hanako.email);
    const knownCode = await forgot(known.browser, known.page, hanako.number);
    await mail();
    const sent = delivery.smtp.inbox.length + delivery.vonage.sent.length;

    const unknown = await loginPage();
    const unknownCode = await forgot(unknown.browser, unknown.page, UNKNOWN);
    expect(unknownCode.status).toBe(knownCode.status);
    expect(comparable(unknownCode).replace(UNKNOWN, 'N')).toBe(comparable(knownCode).replace(hanako.number, 'N'));
    expect(textOf(unknownCode, '[role=status]')).toBe(
      `If ${UNKNOWN} is a registered membership number, we have sent a one-time password to its notification destination. It is valid for 10 minutes.`,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(delivery.smtp.inbox.length + delivery.vonage.sent.length).toBe(sent);

    // A wrong code is wrong the same way, try by try, until it is used up.
    for (const [browser, page] of [
      [known.browser, knownCode],
      [unknown.browser, unknownCode],
    ] as const) {
      let current = page;
      const answers: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        current = await browser.submit(current, 'form[action$="/recovery/code"]', { code: '000000' });
        answers.push(`${current.status} ${textOf(current, '[role=alert]')}`);
      }
      expect(answers).toEqual([
        '401 The one-time password is incorrect. You can try 4 more time(s).',
        '401 The one-time password is incorrect. You can try 3 more time(s).',
        '401 The one-time password is incorrect. You can try 2 more time(s).',
        '401 The one-time password is incorrect. You can try 1 more time(s).',
        '401 The one-time password was entered incorrectly too many times and can no longer be used. Please request a new one.',
      ]);
    }
  });

  it('sends the code to the notification destination (SMS for a member who chose it), within the caps of every code', async () => {
    const { browser, page } = await loginPage();
    const codePage = await forgot(browser, page, ken.number);
    const sms = await eventually(() => delivery.vonage.lastTo(ken.phone));
    expect(sms.text).toContain('to reset your password');
    // A second request at once is within the resend cooldown: nothing more leaves.
    const count = delivery.vonage.sent.length;
    const again = await browser.submit(codePage, 'form[action$="/recovery/resend"]');
    expect(again.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(delivery.vonage.sent.length).toBe(count);
  });

  it('refuses a new password for each rule, naming it', async () => {
    const { browser, page } = await loginPage();
    const next = nextMail(hanako.email);
    const codePage = await forgot(browser, page, hanako.number);
    const mail = await next();
    const passwordPage = await browser.submit(codePage, 'form[action$="/recovery/code"]', { code: codeIn(mail.text) });
    expect(textOf(passwordPage, 'h1')).toBe('Choose a new password');
    const refusals: Record<string, string> = {
      short7: 'The password must be at least 8 characters long.',
      [hanako.number]: 'The password must not be your membership number.',
      password1: 'This password is so commonly used that it is easy to guess. Please choose another.',
      [hanako.password]: 'This is your current password. Please choose a new one.',
    };
    for (const [password, message] of Object.entries(refusals)) {
      const refused = await browser.submit(passwordPage, 'form[action$="/recovery/password"]', {
        password,
        confirm: password,
      });
      expect({ password, status: refused.status, message: textOf(refused, '[role=alert]') }).toEqual({
        password,
        status: 400,
        message,
      });
    }
    const mismatch = await browser.submit(passwordPage, 'form[action$="/recovery/password"]', {
      password: 'a long new passphrase',
      confirm: 'another one',
    });
    expect(textOf(mismatch, '[role=alert]')).toBe('The two passwords do not match.');
    expect(
      await app.connection
        .collection('audit_events')
        .countDocuments({ type: 'password.reset_refused', memberId: hanako.id }),
    ).toBe(4);
  });

  it('ends every session and token, tells the member, and returns to the app’s sign-in, which still asks for its level', async () => {
    // Signed in to the app (with a refresh token) and to My account beforehand.
    const before = await loginPage({ scope: 'openid offline_access' });
    const signedIn = await before.browser.submit(
      before.page,
      'form[action$="/login"]',
      { membershipNumber: hanako.number, password: hanako.password },
      { stopAt: isCallback },
    );
    const tokens = await exchangeCode(rp, signedIn.url, before.pending);
    expect(tokens.refresh_token).toEqual(expect.any(String));

    // The app asks for the one-time-password level; the member forgot the password.
    const { browser, page, pending } = await loginPage({ acr_values: ACR.otp });
    const next = nextMail(hanako.email);
    const codePage = await forgot(browser, page, hanako.number);
    const mail = await next();
    const passwordPage = await browser.submit(codePage, 'form[action$="/recovery/code"]', { code: codeIn(mail.text) });
    const newPassword = 'a brand new passphrase of mine';
    const back = await browser.submit(passwordPage, 'form[action$="/recovery/password"]', {
      password: newPassword,
      confirm: newPassword,
    });
    expect(new URL(back.url).pathname).toBe(new URL(page.url).pathname);
    expect(textOf(back, '[role=status]')).toBe(
      'Your password has been changed, and you have been signed out everywhere. Please log in with your new password.',
    );

    await expect(oidc.refreshTokenGrant(rp.config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect(await oidc.tokenIntrospection(rp.config, tokens.access_token)).toEqual({ active: false });
    expect(await app.connection.collection('oidc_session').countDocuments({ 'payload.accountId': hanako.id })).toBe(0);
    const notice = await eventually(() =>
      delivery.smtp.inbox.find((m) => m.to.includes(hanako.email) && m.subject === 'Your JMB password was changed'),
    );
    expect(notice.text).toContain('you have been signed out of every browser and app');
    expect(
      await app.connection.collection('audit_events').findOne({ type: 'password.reset', memberId: hanako.id }),
    ).toMatchObject({ outcome: 'success', detail: { by: 'member' } });

    // The old password no longer works; the new one does, and the app's level is still asked for.
    const old = await browser.submit(back, 'form[action$="/login"]', {
      membershipNumber: hanako.number,
      password: hanako.password,
    });
    expect(textOf(old, '[role=alert]')).toBe('The membership number or password is incorrect.');
    const stepUp = await browser.submit(old, 'form[action$="/login"]', {
      membershipNumber: hanako.number,
      password: newPassword,
    });
    expect(textOf(stepUp, 'h1')).toBe('One-time password');
    const codeMail = nextMail(hanako.email);
    const entry = await browser.submit(stepUp, 'form[action$="/otp/send"]');
    const code = codeIn((await codeMail()).text);
    const done = await browser.submit(entry, 'form[action$="/otp/verify"]', { code }, { stopAt: isCallback });
    const claims = (await exchangeCode(rp, done.url, pending)).claims()!;
    expect(claims).toMatchObject({ sub: hanako.id, acr: ACR.otp });
    hanako.password = newPassword;
  });

  it('starts again when the code is more than ten minutes old', async () => {
    const { browser, page } = await loginPage();
    const codePage = await forgot(browser, page, UNKNOWN);
    clock.advanceSeconds(10 * 60 + 1);
    const late = await browser.submit(codePage, 'form[action$="/recovery/code"]', { code: '123456' });
    expect(textOf(late, '[role=alert]')).toBe('This password reset is no longer valid. Please start again.');
    expect(late.html.querySelector('form[action$="/recovery"]')).not.toBeNull();
  });
});

describe('the service centre’s recovery link', () => {
  it('goes to the verified address, sets a password once, ends every session, and is audited with the admin', async () => {
    const token = await serviceToken(app, 'editor');
    const sent = await request(app.server)
      .post(`/api/admin/members/${ken.id}/recovery-link`)
      .set('Authorization', `Bearer ${token}`);
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ sent_to: 'k***@example.jp' });
    const mail = delivery.smtp.lastTo(ken.email)!;
    expect(mail.subject).toBe('Set a new password for your JMB membership');
    const link = /http:\/\/\S+\/recover\/[\w-]{43}/.exec(mail.text)![0];

    const browser = new Browser();
    browser.headers['accept-language'] = 'en';
    const form = await browser.go(link);
    expect(textOf(form, 'h1')).toBe('Choose a new password');
    const weak = await browser.submit(form, 'form', { password: 'sunshine', confirm: 'sunshine' });
    expect(textOf(weak, '[role=alert]')).toBe(
      'This password is so commonly used that it is easy to guess. Please choose another.',
    );
    const done = await browser.submit(form, 'form', {
      password: 'ken chose a new passphrase',
      confirm: 'ken chose a new passphrase',
    });
    expect(textOf(done, 'h1')).toBe('Your password has been set');
    expect(
      await app.connection.collection('audit_events').findOne({ type: 'password.reset', memberId: ken.id }),
    ).toMatchObject({
      actor: expect.stringMatching(/^client:/),
      detail: { by: 'service-centre' },
    });
    // Single use.
    const again = await browser.go(link);
    expect(again.status).toBe(404);
    expect(textOf(again, '[role=alert], .alert, p')).toContain(
      'This link is invalid, has expired or has already been used.',
    );
  });

  it('lasts 24 hours, and needs a verified address', async () => {
    const token = await serviceToken(app, 'editor');
    await request(app.server)
      .post(`/api/admin/members/${hanako.id}/recovery-link`)
      .set('Authorization', `Bearer ${token}`);
    const link = /http:\/\/\S+\/recover\/[\w-]{43}/.exec(delivery.smtp.lastTo(hanako.email)!.text)![0];
    clock.advanceSeconds(24 * 3600 + 1);
    expect((await new Browser().go(link)).status).toBe(404);

    const fresh = await serviceToken(app, 'editor');
    await memberModel(app).updateOne({ _id: hanako.id }, { $set: { emailVerified: false } });
    const refused = await request(app.server)
      .post(`/api/admin/members/${hanako.id}/recovery-link`)
      .set('Authorization', `Bearer ${fresh}`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ field: 'email' });
    await memberModel(app).updateOne({ _id: hanako.id }, { $set: { emailVerified: true } });
  });
});

describe('a lost phone', () => {
  it('is replaced after a password sign-in with the code sent by e-mail instead of SMS', async () => {
    const browser = new Browser();
    browser.headers['accept-language'] = 'en';
    const login = await browser.go(`${app.baseUrl}/account/phone`);
    const verify = await browser.submit(login, 'form[action$="/login"]', {
      membershipNumber: ken.number,
      password: 'ken chose a new passphrase',
    });
    expect(new URL(verify.url).pathname).toBe('/account/verify');
    // Ken's notification destination is SMS, and that phone is gone: the page offers e-mail too.
    expect(textOf(verify, '.card')).toContain('We will send a one-time password by SMS to ***-****-6666.');
    const byMail = verify.html.querySelector('form.alternative')!;
    expect(byMail.querySelector('input[name=channel]')!.getAttribute('value')).toBe('email');
    expect(textOf(verify, 'form.alternative')).toContain('by e-mail to k***@example.jp');
    const sms = delivery.vonage.sent.length;
    const mail = nextMail(ken.email);
    const entry = await browser.submit(verify, 'form.alternative');
    expect(textOf(entry, '[role=status]')).toContain('We have sent a one-time password by e-mail to k***@example.jp.');
    const phonePage = await browser.submit(entry, 'form[action^="/account/verify/check"]', {
      code: codeIn((await mail()).text),
    });
    expect(new URL(phonePage.url).pathname).toBe('/account/phone');
    expect(delivery.vonage.sent.length).toBe(sms);

    // The seed's four steps for the new number.
    clock.advanceSeconds(61);
    const confirm = await browser.submit(phonePage, 'form[action="/account/phone"]', { phone: '090-7777-8888' });
    const code = codeIn((await eventually(() => delivery.vonage.lastTo('+819077778888'))).text);
    const notification = await browser.submit(confirm, 'form[action^="/account/phone/confirm/check"]', { code });
    expect(new URL(notification.url).pathname).toBe('/account/notification');
    const stored = await app.connection.collection('members').findOne({ _id: ken.id as never });
    expect(stored).toMatchObject({ phone: '+819077778888', phoneVerified: true });
  });
});
