import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ACR } from '../../src/assurance/acr.js';
import { ManualClock } from '../../src/clock.js';
import { startTestApp, type TestApp, uniqueDbName } from '../support/app.js';
import { Browser, type Page, postJson, textOf } from '../support/browser.js';
import { type DeliveryStandIns, startDeliveryStandIns } from '../support/delivery.js';
import {
  authorizationUrl,
  exchangeCode,
  firstPartyWebRp,
  type PendingLogin,
  type RelyingParty,
} from '../support/rp.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { codeIn } from '../support/vonage.js';

/**
 * Passkeys over HTTP with a software authenticator: registration after the SMS code, sign-in by
 * membership number or discoverable passkey, and every refusal the issue lists, each answered
 * with the same message and never recorded as a success.
 */
let app: TestApp;
let delivery: DeliveryStandIns;
let rp: RelyingParty;
const clock = new ManualClock({ running: true });
const REDIRECT = 'https://rp.example.com/cb';
const isCallback = (url: string) => url.startsWith(REDIRECT);
const password = 'passkey member password';
const hana = { number: '', id: '', email: 'hana@example.jp', phone: '+819055550001' };
const ken = { number: '', id: '', email: 'ken@example.jp', phone: '+819055550002' };
const noPhone = { number: '', id: '', email: 'nophone@example.jp' };
const FAILED = 'Sign-in with a passkey did not succeed. Please try again, or log in with your password.';

beforeAll(async () => {
  delivery = await startDeliveryStandIns();
  app = await startTestApp({ dbName: uniqueDbName('passkeys'), clock, env: delivery.env });
  for (const person of [hana, ken]) {
    const m = await app.context.members.create({
      familyName: 'Pass',
      givenName: 'Key',
      email: person.email,
      phone: person.phone,
      countryOfResidence: 'JP',
      password,
      locale: 'en',
    });
    Object.assign(person, { number: m.membershipNumber, id: m._id });
  }
  const n = await app.context.members.create({
    familyName: 'No',
    givenName: 'Phone',
    email: noPhone.email,
    countryOfResidence: 'JP',
    password,
    locale: 'en',
  });
  Object.assign(noPhone, { number: n.membershipNumber, id: n._id });
  rp = await firstPartyWebRp(app, REDIRECT);
});

/** What the software authenticator needs from the options the server sent. */
type AssertionOptions = Parameters<SoftAuthenticator['authenticate']>[0];

/** The latest audit event of a type for a member: a refusal's recorded reason. */
async function lastEvent(type: string, memberId: string) {
  const [event] = await app.connection
    .collection('audit_events')
    .find({ type, memberId })
    .sort({ at: -1 })
    .limit(1)
    .toArray();
  return event;
}

/** The stored passkeys, as the database has them. */
const passkeysCollection = () => app.connection.collection('passkeys');

afterAll(async () => {
  await app?.close();
  await delivery?.close();
});

beforeEach(async () => {
  await app.connection.collection('rate_limits').deleteMany({});
});

const mailCode = (address: string) => codeIn(delivery.smtp.lastTo(address)?.text);
const smsCode = (phone: string) => codeIn(delivery.vonage.lastTo(phone)?.text);
const csrfOf = (page: Page, selector: string) => page.html.querySelector(selector)!.getAttribute('data-csrf')!;

/** My account with a fresh step-up (by e-mail); ends on the passkeys page. */
async function account(who: { number: string; email: string }) {
  const browser = new Browser();
  browser.headers['accept-language'] = 'en';
  const login = await browser.go(`${app.baseUrl}/account/passkeys`);
  const verify = await browser.submit(login, 'form[action$="/login"]', { membershipNumber: who.number, password });
  const entry = await browser.submit(verify, 'form[action^="/account/verify/send"]');
  const page = await browser.submit(entry, 'form[action^="/account/verify/check"]', { code: mailCode(who.email) });
  expect(textOf(page, 'h1')).toBe('Passkeys');
  return { browser, page };
}

/** The SMS step the seed requires, then the registration page. */
async function smsStep(browser: Browser, phone: string): Promise<Page> {
  const sms = await browser.go(`${app.baseUrl}/account/passkeys/new`);
  expect(new URL(sms.url).pathname).toBe('/account/passkeys/sms');
  const entry = await browser.submit(sms, 'form[action^="/account/passkeys/sms/send"]');
  const page = await browser.submit(entry, 'form[action^="/account/passkeys/sms/check"]', { code: smsCode(phone) });
  expect(new URL(page.url).pathname).toBe('/account/passkeys/new');
  return page;
}

async function register(browser: Browser, page: Page, authenticator: SoftAuthenticator, misbehave = {}) {
  const csrf = csrfOf(page, '[data-passkey-register]');
  const options = await postJson(browser, `${app.baseUrl}/account/passkeys/register/options`, {}, csrf);
  expect(options.status).toBe(200);
  return postJson(
    browser,
    `${app.baseUrl}/account/passkeys/register/verify`,
    { response: authenticator.register(options.data as never, misbehave) },
    csrf,
  );
}

/** A relying app sends a fresh browser to sign in; ends on the passkey page. */
async function passkeyPage(params: Record<string, string> = {}) {
  const browser = new Browser();
  browser.headers['accept-language'] = 'en';
  const pending = await authorizationUrl(rp, params);
  const login = await browser.go(pending.url);
  const page = await browser.go(new URL(login.html.querySelector('a.passkey')!.getAttribute('href')!, login.url).href);
  expect(textOf(page, 'h1')).toBe('Log in with a passkey');
  const uid = new URL(page.url).pathname.split('/')[2]!;
  return { browser, pending, uid, csrf: csrfOf(page, '[data-passkey-login]') };
}

type Flow = Awaited<ReturnType<typeof passkeyPage>>;
const options = (flow: Flow, body: Record<string, unknown>) =>
  postJson(flow.browser, `${app.baseUrl}/interaction/${flow.uid}/passkey/options`, body, flow.csrf);
const verify = (flow: Flow, response: unknown) =>
  postJson(flow.browser, `${app.baseUrl}/interaction/${flow.uid}/passkey/verify`, { response }, flow.csrf);

async function finish(flow: Flow, redirect: string, pending: PendingLogin) {
  const done = await flow.browser.go(new URL(redirect, app.baseUrl).href, { stopAt: isCallback });
  expect(isCallback(done.url)).toBe(true);
  return exchangeCode(rp, done.url, pending);
}

let hanaKey: SoftAuthenticator;
let kenKey: SoftAuthenticator;

describe('registering a passkey', () => {
  it('needs an SMS code first, then stores the credential as the browser reported it', async () => {
    const { browser, page } = await account(hana);
    expect(textOf(page, '.card')).toContain('You have no passkeys yet.');
    const registration = await smsStep(browser, hana.phone);
    hanaKey = new SoftAuthenticator(app.baseUrl, ['hybrid', 'internal']);
    const result = await register(browser, registration, hanaKey);
    expect(result.status).toBe(200);
    expect(result.data.redirect).toBe('/account/passkeys');
    expect(result.data.signals).toMatchObject({
      rpID: 'localhost',
      allAcceptedCredentialIDs: [hanaKey.id],
      userName: hana.number,
    });

    const stored = await passkeysCollection().findOne({ _id: hanaKey.id as never });
    expect(stored).toMatchObject({
      ownerId: hana.id,
      transports: ['hybrid', 'internal'],
      deviceType: 'singleDevice',
      backedUp: false,
      aaguid: '00000000-0000-0000-0000-000000000000',
      counter: 0,
    });
    expect(stored!.name).toMatch(/^Passkey \(/);
    const list = await browser.go(`${app.baseUrl}/account/passkeys`);
    expect(textOf(list, '[role=status]')).toBe('Your passkey has been added.');
    expect(textOf(list, 'li.passkey')).toContain('Kept on one device only');
    expect(textOf(list, 'li.passkey')).toContain('Not used yet');

    const audit = await app.connection
      .collection('audit_events')
      .findOne({ type: 'passkey.registered', memberId: hana.id });
    expect(audit?.detail).toMatchObject({ transports: ['hybrid', 'internal'] });
  });

  it('excludes the member’s existing passkeys and requires a resident key and user verification', async () => {
    const { browser } = await account(hana);
    const page = await smsStep(browser, hana.phone);
    const created = await postJson(
      browser,
      `${app.baseUrl}/account/passkeys/register/options`,
      {},
      csrfOf(page, '[data-passkey-register]'),
    );
    expect(created.data.excludeCredentials).toEqual([
      { id: hanaKey.id, type: 'public-key', transports: ['hybrid', 'internal'] },
    ]);
    expect(created.data.authenticatorSelection).toEqual({
      residentKey: 'required',
      userVerification: 'required',
      requireResidentKey: true,
    });
    expect(created.data.attestation).toBe('none');
    expect(created.data.rp).toEqual({ name: 'JMB', id: 'localhost' });
    expect(created.data.user.name).toBe(hana.number);
  });

  it('is refused without the SMS step', async () => {
    const { browser, page } = await account(ken);
    const csrf = page.html.querySelector('input[name=_csrf]')!.getAttribute('value')!;
    const refused = await postJson(browser, `${app.baseUrl}/account/passkeys/register/options`, {}, csrf);
    expect(refused.status).toBe(403);
    expect(refused.data.redirect).toBe('/account/passkeys/sms');
    expect(await passkeysCollection().countDocuments({ ownerId: ken.id })).toBe(0);
  });

  it('tells a member without a mobile number how to get one', async () => {
    const { browser } = await account(noPhone);
    const sms = await browser.go(`${app.baseUrl}/account/passkeys/new`);
    expect(sms.status).toBe(409);
    expect(textOf(sms, '[role=alert]')).toMatch(/Please register your mobile phone number first in My account/);
  });

  it('is refused when the SMS step is more than ten minutes old', async () => {
    const { browser } = await account(ken);
    const page = await smsStep(browser, ken.phone);
    clock.advanceSeconds(10 * 60 + 1);
    // the account step-up has aged too: renew it, not the SMS code
    const again = await browser.go(`${app.baseUrl}/account/passkeys/new`);
    const entry = await browser.submit(again, 'form[action^="/account/verify/send"]');
    const sms = await browser.submit(entry, 'form[action^="/account/verify/check"]', { code: mailCode(ken.email) });
    expect(new URL(sms.url).pathname).toBe('/account/passkeys/sms');
    const refused = await postJson(
      browser,
      `${app.baseUrl}/account/passkeys/register/options`,
      {},
      csrfOf(page, '[data-passkey-register]'),
    );
    expect(refused.status).toBe(403);
    expect(refused.data.error_description).toBe(
      'More than 10 minutes have passed since your SMS verification. Please verify again.',
    );
  });

  it('refuses a response from another origin, for another RP ID, or without user verification', async () => {
    const { browser } = await account(ken);
    const page = await smsStep(browser, ken.phone);
    const cases = [
      [{ origin: 'https://phishing.example' }, /origin/i],
      [{ rpId: 'phishing.example' }, /RP ID/i],
      [{ userVerified: false }, /user verification/i],
    ] as const;
    for (const [misbehave, why] of cases) {
      const refused = await register(browser, page, new SoftAuthenticator(app.baseUrl), misbehave);
      expect(refused.status).toBe(400);
      expect(refused.data.error_description).toBe('The passkey could not be created. Please try again.');
      expect((await lastEvent('passkey.registration_refused', ken.id))?.detail).toMatchObject({
        reason: 'notVerified',
        error: expect.stringMatching(why),
      });
    }
    expect(await passkeysCollection().countDocuments({ ownerId: ken.id })).toBe(0);
    kenKey = new SoftAuthenticator(app.baseUrl);
    expect((await register(browser, page, kenKey)).status).toBe(200);
  });
});

describe('signing in with a passkey', () => {
  it('by membership number: the device finds the member’s passkey, and only that member’s is accepted', async () => {
    const flow = await passkeyPage({ scope: 'openid' });
    const requested = await options(flow, { mode: 'number', membershipNumber: hana.number });
    expect(requested.status).toBe(200);
    // No credential list: it would tell who has a passkey (see "nobody can learn" below).
    expect(requested.data).toMatchObject({ rpId: 'localhost', userVerification: 'required', allowCredentials: [] });
    const result = await verify(flow, hanaKey.authenticate(requested.data as never));
    expect(result.status).toBe(200);
    expect(result.data.signals.allAcceptedCredentialIDs).toEqual([hanaKey.id]);
    const claims = (await finish(flow, result.data.redirect, flow.pending)).claims()!;
    expect(claims.acr).toBe(ACR.passkey);
    expect(claims.amr).toEqual(['hwk', 'user', 'mfa']);
    const used = (await passkeysCollection().findOne({ _id: hanaKey.id as never }))!;
    expect(used.lastUsedAt).toBeInstanceOf(Date);
    // Where it was used, so a member can tell a lost device in the list.
    expect(used.lastUsedFrom).toMatchObject({ ip: expect.stringMatching(/127\.0\.0\.1|::1/) });
    expect(
      await app.connection
        .collection('audit_events')
        .findOne({ type: 'login.passkey', outcome: 'success', memberId: hana.id }),
    ).toMatchObject({ ip: expect.any(String) });
  });

  it('with a discoverable passkey: the user handle names the member', async () => {
    const flow = await passkeyPage();
    const requested = await options(flow, { mode: 'discoverable' });
    expect(requested.data.allowCredentials).toEqual([]);
    const result = await verify(flow, hanaKey.authenticate(requested.data as never));
    expect((await finish(flow, result.data.redirect, flow.pending)).claims()!.sub).toBe(hana.id);
  });

  it('asks the browser for the phone (hints: hybrid) when the member chooses it', async () => {
    const flow = await passkeyPage();
    const requested = await options(flow, { mode: 'hybrid', membershipNumber: hana.number });
    expect(requested.data.hints).toEqual(['hybrid']);
    expect(requested.data.allowCredentials).toEqual([]);
  });

  it('is what a relying app gets when it asks for the passkey level', async () => {
    const pending = await authorizationUrl(rp, { acr_values: ACR.passkey });
    const browser = new Browser();
    const page = await browser.go(pending.url);
    expect(page.html.querySelector('[data-passkey-login]:not([data-autofill-only])')).not.toBeNull();
  });

  it('offers a passkey on this device after a sign-in from another device', async () => {
    const phone = new SoftAuthenticator(app.baseUrl, ['hybrid'], 'cross-platform');
    const { browser } = await account(ken);
    expect((await register(browser, await smsStep(browser, ken.phone), phone)).status).toBe(200);
    const flow = await passkeyPage();
    const requested = await options(flow, { mode: 'hybrid', membershipNumber: ken.number });
    const result = await verify(flow, phone.authenticate(requested.data as never));
    expect(result.data.redirect).toBe(`/interaction/${flow.uid}/passkey/offer`);
    const offer = await flow.browser.go(`${app.baseUrl}${result.data.redirect}`);
    expect(textOf(offer, 'h1')).toBe('Create a passkey on this device?');
    // Creating one needs the SMS code first (past the resend cooldown of the one sent above).
    clock.advanceSeconds(61);
    const sms = await flow.browser.go(
      new URL(offer.html.querySelector('a.button')!.getAttribute('href')!, offer.url).href,
    );
    const entry = await flow.browser.submit(sms, 'form[action$="/offer/sms/send"]');
    const registerPage = await flow.browser.submit(entry, 'form[action$="/offer/sms/check"]', {
      code: smsCode(ken.phone),
    });
    const laptop = new SoftAuthenticator(app.baseUrl, ['internal']);
    const csrf = csrfOf(registerPage, '[data-passkey-register]');
    const created = await postJson(
      flow.browser,
      `${app.baseUrl}/interaction/${flow.uid}/passkey/register/options`,
      {},
      csrf,
    );
    const done = await postJson(
      flow.browser,
      `${app.baseUrl}/interaction/${flow.uid}/passkey/register/verify`,
      { response: laptop.register(created.data as never) },
      csrf,
    );
    expect(done.status).toBe(200);
    expect((await finish(flow, done.data.redirect, flow.pending)).claims()!.sub).toBe(ken.id);
    expect(await passkeysCollection().countDocuments({ ownerId: ken.id })).toBe(3);
  });
});

describe('refusals', () => {
  /** The member sees one message for every failure; the audit trail keeps the reason. */
  async function refusedWith(
    reason: string,
    respond: (opts: AssertionOptions) => unknown,
    body: Record<string, unknown> = { mode: 'number', membershipNumber: hana.number },
    type = 'login.passkey',
    memberId = hana.id,
  ) {
    const flow = await passkeyPage();
    const requested = await options(flow, body);
    const result = await verify(flow, respond(requested.data as AssertionOptions));
    expect(result.status).toBe(400);
    expect(result.data.error_description).toBe(FAILED);
    const event = await lastEvent(type, memberId);
    expect(event).toMatchObject({ outcome: 'failure', detail: { reason } });
    return { flow, requested, result, event };
  }

  it('a response without user verification', async () => {
    const { event } = await refusedWith('notVerified', (o) => hanaKey.authenticate(o, { userVerified: false }));
    expect(event!.detail.error).toMatch(/user verification/i);
  });

  it('a bogus signature', async () => {
    await refusedWith('notVerified', (o) => hanaKey.authenticate(o, { badSignature: true }));
  });

  it('a counter that goes backwards, recorded as a possible clone', async () => {
    await refusedWith(
      'counterRegression',
      (o) => hanaKey.authenticate(o, { counter: 1 }),
      undefined,
      'passkey.counter_regression',
    );
    hanaKey.counter = (await passkeysCollection().findOne({ _id: hanaKey.id as never }))!.counter;
  });

  it('a replayed response: the challenge is gone after its first use', async () => {
    const flow = await passkeyPage();
    const requested = await options(flow, { mode: 'number', membershipNumber: hana.number });
    const assertion = hanaKey.authenticate(requested.data as never, { userVerified: false });
    expect((await verify(flow, assertion)).status).toBe(400); // fails, but still uses up the challenge
    const good = hanaKey.authenticate(requested.data as never);
    expect((await verify(flow, good)).data.error_description).toBe(FAILED);
    // Nothing in the replay names a member: the challenge it answers is gone.
    const [event] = await app.connection
      .collection('audit_events')
      .find({ type: 'login.passkey', outcome: 'failure' })
      .sort({ at: -1 })
      .limit(1)
      .toArray();
    expect(event?.detail).toMatchObject({ reason: 'challenge' });
  });

  it('an older challenge of the sign-in: only the latest one asked for is accepted', async () => {
    const flow = await passkeyPage();
    const first = await options(flow, { mode: 'autofill' });
    const latest = await options(flow, { mode: 'autofill' });
    expect((await verify(flow, hanaKey.authenticate(first.data as never))).data.error_description).toBe(FAILED);
    const [event] = await app.connection
      .collection('audit_events')
      .find({ type: 'login.passkey', outcome: 'failure' })
      .sort({ at: -1 })
      .limit(1)
      .toArray();
    expect(event?.detail).toMatchObject({ reason: 'challenge' });
    // Asking by number keeps the page's autofill challenge: a member may cancel and use autofill.
    await options(flow, { mode: 'number', membershipNumber: hana.number });
    const result = await verify(flow, hanaKey.authenticate(latest.data as never));
    expect(result.status).toBe(200);
  });

  it('an expired challenge (five minutes)', async () => {
    const flow = await passkeyPage();
    const requested = await options(flow, { mode: 'number', membershipNumber: hana.number });
    clock.advanceSeconds(5 * 60 + 1);
    expect((await verify(flow, hanaKey.authenticate(requested.data as never))).data.error_description).toBe(FAILED);
    const [event] = await app.connection
      .collection('audit_events')
      .find({ type: 'login.passkey', outcome: 'failure' })
      .sort({ at: -1 })
      .limit(1)
      .toArray();
    expect(event?.detail).toMatchObject({ reason: 'challenge' });
  });

  it('a wrong origin or RP ID', async () => {
    expect(
      (await refusedWith('notVerified', (o) => hanaKey.authenticate(o, { origin: 'https://phishing.example' }))).event!
        .detail.error,
    ).toMatch(/origin/i);
    expect(
      (await refusedWith('notVerified', (o) => hanaKey.authenticate(o, { rpId: 'phishing.example' }))).event!.detail
        .error,
    ).toMatch(/RP ID/i);
  });

  it('another member’s credential', async () => {
    await refusedWith('wrongMember', (o) => kenKey.authenticate(o));
    // Discoverable: the credential is Ken's, whatever user handle the response claims.
    await refusedWith(
      'wrongMember',
      (o) => kenKey.authenticate(o, { userHandle: Buffer.from(hana.id).toString('base64url') }),
      { mode: 'discoverable' },
      'login.passkey',
      ken.id,
    );
  });

  it('never leaves a session behind', async () => {
    const { flow } = await refusedWith('notVerified', (o) => hanaKey.authenticate(o, { badSignature: true }));
    const page = await flow.browser.go(`${app.baseUrl}/interaction/${flow.uid}`);
    expect(page.html.querySelector('form[action$="/login"]')).not.toBeNull();
    expect(
      await app.connection
        .collection('audit_events')
        .countDocuments({ type: 'login.passkey', outcome: 'success', 'detail.reason': { $exists: true } }),
    ).toBe(0);
  });
});

describe('nobody can learn who has an account or a passkey', () => {
  it('gives a member with passkeys, one without and an unknown number the very same options', async () => {
    const flow = await passkeyPage();
    const ask = async (membershipNumber: string) => (await options(flow, { mode: 'number', membershipNumber })).data;
    const answers = [await ask(hana.number), await ask(noPhone.number), await ask('100000009'), await ask('100000009')];
    // Everything but the random challenge is equal: keys, their order, credentials (none), transports.
    const withoutChallenge = answers.map(({ challenge, ...rest }) => JSON.stringify(rest));
    expect(new Set(withoutChallenge).size).toBe(1);
    expect(new Set(answers.map((answer) => answer.challenge)).size).toBe(4);
    // ...and the same failure when someone answers those of a number without passkeys.
    const attempt = await verify(flow, new SoftAuthenticator(app.baseUrl).authenticate(answers[2] as never));
    expect(attempt.data.error_description).toBe(FAILED);
    const sameKeyForOthers = await verify(flow, hanaKey.authenticate((await ask(noPhone.number)) as never));
    expect(sameKeyForOthers.data.error_description).toBe(FAILED);
  });

  it('explains a malformed membership number like the password page does', async () => {
    const flow = await passkeyPage();
    const bad = await options(flow, { mode: 'number', membershipNumber: '123456789' });
    expect(bad.status).toBe(400);
    expect(bad.data.error_description).toBe(
      'This is not a valid JMB membership number. Please check the number on your card.',
    );
  });

  it('limits option requests for membership numbers per network', async () => {
    const flow = await passkeyPage();
    const limit = app.context.config.passkey.optionsPerIpPerHour;
    for (let i = 0; i < limit; i += 1)
      expect((await options(flow, { mode: 'number', membershipNumber: hana.number })).status).toBe(200);
    const refused = await options(flow, { mode: 'number', membershipNumber: hana.number });
    expect(refused.status).toBe(429);
    expect(refused.data.error_description).toBe(
      'Too many passkey requests from your network. Please wait a while and try again.',
    );
  });

  it('refuses the ceremony without its CSRF token', async () => {
    const flow = await passkeyPage();
    const refused = await postJson(
      flow.browser,
      `${app.baseUrl}/interaction/${flow.uid}/passkey/options`,
      { mode: 'discoverable' },
      'forged',
    );
    expect(refused.status).toBe(403);
    expect(refused.data.error).toBe('invalid_request');
  });

  it('gives no options for a sign-in this browser is not in', async () => {
    const mine = await passkeyPage();
    const theirs = await passkeyPage();
    // My CSRF token and cookies, their sign-in's uid: their interaction cookie is not mine.
    const refused = await postJson(
      mine.browser,
      `${app.baseUrl}/interaction/${theirs.uid}/passkey/options`,
      { mode: 'discoverable' },
      mine.csrf,
    );
    expect(refused.status).toBe(400);
    expect(refused.data.error_description).toMatch(/expired/i);
  });
});

describe('managing passkeys', () => {
  it('renames, then deletes (confirming first), after which it no longer signs in', async () => {
    const { browser, page } = await account(hana);
    const renamed = await browser.submit(page, `form[action="/account/passkeys/${hanaKey.id}/rename"]`, {
      name: 'My laptop',
    });
    expect(textOf(renamed, '[role=status]')).toBe('The passkey has been renamed.');
    expect(textOf(renamed, 'li.passkey .passkey-name')).toBe('My laptop');
    // The list says when and from where each passkey was last used (a lost device stands out).
    expect(textOf(renamed, `li.passkey[data-credential-id="${hanaKey.id}"] .muted`)).toMatch(
      /Last used: .+ · from (127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)/,
    );

    const bad = await browser.submit(renamed, `form[action="/account/passkeys/${hanaKey.id}/rename"]`, { name: ' ' });
    expect(bad.status).toBe(400);
    expect(textOf(bad, '[role=alert]')).toBe('Enter a name of 1 to 64 characters.');

    const confirm = await browser.go(`${app.baseUrl}/account/passkeys/${hanaKey.id}/delete`);
    expect(textOf(confirm, 'p')).toContain('You will no longer be able to sign in with “My laptop”.');
    const deleted = await browser.submit(confirm, `form[action="/account/passkeys/${hanaKey.id}/delete"]`);
    expect(textOf(deleted, '[role=status]')).toMatch(/^The passkey has been deleted/);
    // The page tells the password manager which passkey went away.
    expect(deleted.html.querySelector('[data-passkey-signals]')!.getAttribute('data-removed')).toBe(hanaKey.id);
    expect(
      JSON.parse(deleted.html.querySelector('[data-passkey-signals]')!.getAttribute('data-passkey-signals')!)
        .allAcceptedCredentialIDs,
    ).toEqual([]);
    expect(
      await app.connection.collection('audit_events').countDocuments({ type: 'passkey.removed', memberId: hana.id }),
    ).toBe(1);

    const flow = await passkeyPage();
    const requested = await options(flow, { mode: 'discoverable' });
    const refused = await verify(flow, hanaKey.authenticate(requested.data as never));
    expect(refused.data.error_description).toBe(FAILED);
    expect(refused.data.unknown_credential).toBe(hanaKey.id); // so the page can signal it
  });

  it('deleting needs a fresh step-up', async () => {
    const { browser, page } = await account(ken);
    const id = page.html.querySelector('li.passkey')!.getAttribute('data-credential-id')!;
    const confirm = await browser.go(`${app.baseUrl}/account/passkeys/${id}/delete`);
    clock.advanceSeconds(10 * 60 + 1);
    const redirected = await browser.submit(confirm, `form[action="/account/passkeys/${id}/delete"]`);
    expect(new URL(redirected.url).pathname).toBe('/account/verify');
    expect(await passkeysCollection().countDocuments({ _id: id as never })).toBe(1);
  });
});
