import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ManualClock } from '../../src/clock.js';
import { verifyPassword } from '../../src/members/password.js';
import { memberModel, startTestApp, type TestApp, uniqueDbName } from '../support/app.js';
import { Browser, findForm, type Page, textOf } from '../support/browser.js';
import { authorizationUrl, discoverRp, exchangeCode, firstPartyWebRp, type RelyingParty } from '../support/rp.js';

/** The password login page as a member meets it, including everything that can go wrong. */
let app: TestApp;
let rp: RelyingParty;
let thirdParty: RelyingParty;
const clock = new ManualClock({ running: true });
const REDIRECT = 'https://app.example.com/cb';
const password = 'a long and correct password';
let membershipNumber = '';
let lockedNumber = '';
const isCallback = (url: string) => url.startsWith(REDIRECT);

beforeAll(async () => {
  app = await startTestApp({
    dbName: uniqueDbName('login'),
    clock,
    tweak: (config) => {
      config.login.perIpPerHour = 1000;
    },
  });
  const member = await app.context.members.create({
    familyName: 'Sato',
    givenName: 'Ken',
    email: 'ken@example.com',
    countryOfResidence: 'JP',
    password,
    locale: 'en',
  });
  membershipNumber = member.membershipNumber;
  const locked = await app.context.members.create({
    familyName: 'Kato',
    givenName: 'Yui',
    email: 'yui@example.com',
    countryOfResidence: 'JP',
    password,
  });
  await app.context.members.setStatus(locked._id, 'locked');
  lockedNumber = locked.membershipNumber;
  rp = await firstPartyWebRp(app, REDIRECT);
  const third = await app.context.clients.create({
    name: 'Hotel Partner',
    kind: 'web',
    redirectUris: [REDIRECT],
    firstParty: false,
  });
  thirdParty = await discoverRp(app.issuer, { ...third, redirectUri: REDIRECT });
});

afterAll(async () => {
  await app?.close();
});

beforeEach(async () => {
  await app.connection.collection('rate_limits').deleteMany({});
});

async function openLogin(params: Record<string, string> = {}, browser = new Browser(), relying = rp) {
  const pending = await authorizationUrl(relying, params);
  const page = await browser.go(pending.url);
  return { browser, page, pending };
}

async function submitLogin(browser: Browser, page: Page, values: Record<string, string>) {
  return browser.submit(page, 'form[action$="/login"]', values, { stopAt: isCallback });
}

const rateLimitCount = () => app.connection.collection('rate_limits').countDocuments();

describe('the login page', () => {
  it('is localised by ui_locales, then Accept-Language, and the switcher overrides both', async () => {
    const en = await openLogin({ ui_locales: 'en' });
    expect(en.page.html.querySelector('html')?.getAttribute('lang')).toBe('en');
    expect(textOf(en.page, 'h1')).toBe('Member login');

    const browser = new Browser();
    browser.headers['accept-language'] = 'ja-JP,ja;q=0.9,en;q=0.5';
    const ja = await openLogin({}, browser);
    expect(textOf(ja.page, 'h1')).toBe('会員ログイン');
    expect(textOf(ja.page, 'label[for=membershipNumber]')).toBe('JMBお得意様番号');

    // The switcher sets a cookie and comes back to the same interaction, now in English.
    const link = ja.page.html.querySelector('nav.lang a[hreflang=en]')!.getAttribute('href')!;
    const switched = await browser.go(new URL(link, ja.page.url).href);
    expect(switched.url).toBe(ja.page.url);
    expect(textOf(switched, 'h1')).toBe('Member login');
  });

  it('accepts full-width digits and hyphens in the membership number', async () => {
    const { browser, page, pending } = await openLogin();
    const fullWidth = membershipNumber.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
    const typed = `${fullWidth.slice(0, 3)}-${fullWidth.slice(3)}`;
    const after = await submitLogin(browser, page, { membershipNumber: typed, password });
    expect(isCallback(after.url)).toBe(true);
    const tokens = await exchangeCode(rp, after.url, pending);
    expect(tokens.claims()?.amr).toEqual(['pwd']);
  });

  it.each([
    ['letters', 'abc123456', 'Enter your 9-digit JMB membership number (digits only).'],
    ['too short', '12345678', 'Enter your 9-digit JMB membership number (digits only).'],
    [
      'a wrong check digit',
      '123456789',
      'This is not a valid JMB membership number. Please check the number on your card.',
    ],
    ['an operator object', '{"$gt":""}', 'Enter your 9-digit JMB membership number (digits only).'],
  ])('explains a membership number with %s, without trying to log in', async (_label, typed, message) => {
    const { browser, page } = await openLogin({ ui_locales: 'en' });
    const after = await submitLogin(browser, page, { membershipNumber: typed, password });
    expect(after.status).toBe(400);
    expect(textOf(after, '#membershipNumber-error')).toBe(message);
    expect(after.html.querySelector('#membershipNumber')?.getAttribute('aria-invalid')).toBe('true');
    expect(after.html.querySelector('#membershipNumber')?.getAttribute('value')).toBe(typed);
    expect(await rateLimitCount()).toBe(0);
  });

  it('asks for the password when it is missing', async () => {
    const { browser, page } = await openLogin({ ui_locales: 'en' });
    const after = await submitLogin(browser, page, { membershipNumber, password: '' });
    expect(after.status).toBe(400);
    expect(textOf(after, '[role=alert]')).toBe('Enter your password.');
  });

  it('answers an unknown number and a wrong password with the same page', async () => {
    const strip = (page: Page) => page.body.replace(/[A-Za-z0-9_-]{20,}/g, 'X').replace(/value="\d{9}"/g, 'value="N"');
    const unknown = await openLogin({ ui_locales: 'en' });
    const a = await submitLogin(unknown.browser, unknown.page, { membershipNumber: '100000009', password });
    const known = await openLogin({ ui_locales: 'en' });
    const b = await submitLogin(known.browser, known.page, { membershipNumber, password: 'wrong password' });
    expect(a.status).toBe(401);
    expect(b.status).toBe(401);
    expect(textOf(a, '[role=alert]')).toBe('The membership number or password is incorrect.');
    expect(strip(a)).toBe(strip(b));
  });

  it('locks a membership number out for a while after five failures, known or not', async () => {
    for (const number of [membershipNumber, '100000017']) {
      const { browser } = await openLogin({ ui_locales: 'en' });
      let page = (await openLogin({ ui_locales: 'en' }, browser)).page;
      for (let attempt = 1; attempt <= 4; attempt += 1) {
        page = await submitLogin(browser, page, { membershipNumber: number, password: 'wrong password' });
        expect(textOf(page, '[role=alert]')).toBe('The membership number or password is incorrect.');
      }
      page = await submitLogin(browser, page, { membershipNumber: number, password: 'wrong password' });
      expect(page.status).toBe(429);
      expect(textOf(page, '[role=alert]')).toMatch(/login with this membership number is paused for 15 minutes/);
      // Even the right password is refused while locked out.
      page = await submitLogin(browser, page, { membershipNumber: number, password });
      expect(page.status).toBe(429);
    }
    const audit = app.connection.collection('audit_events');
    expect(await audit.countDocuments({ type: 'login.locked_out', outcome: 'failure' })).toBeGreaterThanOrEqual(2);
    expect(
      await audit.findOne({ type: 'login.password', outcome: 'failure', 'detail.reason': 'invalid' }),
    ).toMatchObject({
      ip: expect.any(String),
      userAgent: expect.any(String),
      clientId: expect.any(String),
      detail: { membershipNumber: expect.stringMatching(/^\d{9}$/) },
    });
    clock.advanceSeconds(15 * 60 + 1);
    const { browser, page } = await openLogin();
    const after = await submitLogin(browser, page, { membershipNumber, password });
    expect(isCallback(after.url)).toBe(true);
  });

  it('slows down one network that tries too many numbers', async () => {
    const limited = await startTestApp({
      dbName: uniqueDbName('login-ip'),
      tweak: (config) => {
        config.login.perIpPerHour = 3;
      },
    });
    try {
      const relying = await firstPartyWebRp(limited, REDIRECT, 'Web');
      const browser = new Browser();
      let page = (await openLogin({ ui_locales: 'en' }, browser, relying)).page;
      for (const number of ['100000009', '100000017', '100000025']) {
        page = await submitLogin(browser, page, { membershipNumber: number, password: 'guess' });
        expect(page.status).toBe(401);
      }
      page = await submitLogin(browser, page, { membershipNumber: '100000033', password: 'guess' });
      expect(page.status).toBe(429);
      expect(textOf(page, '[role=alert]')).toBe(
        'Too many login attempts from your network. Please wait a while and try again.',
      );
    } finally {
      await limited.close();
    }
  });

  it('tells a member whose account is locked by the Mileage Bank Center', async () => {
    const { browser, page } = await openLogin({ ui_locales: 'en' });
    const after = await submitLogin(browser, page, { membershipNumber: lockedNumber, password });
    expect(after.status).toBe(401);
    expect(textOf(after, '[role=alert]')).toBe(
      'This membership account is locked. Please contact the JAL Mileage Bank Center.',
    );
  });

  it.each([
    ['missing', undefined],
    ['wrong', 'forged-token'],
  ])('refuses a %s CSRF token with a localised page and does not try the password', async (_label, token) => {
    const { browser, page } = await openLogin({ ui_locales: 'en' });
    const form = findForm(page, 'form[action$="/login"]');
    const fields: Record<string, string> = { membershipNumber, password };
    if (token) fields._csrf = token;
    const after = await browser.go(new URL(form.action, page.url).href, { form: fields });
    expect(after.status).toBe(403);
    expect(textOf(after, '[role=alert]')).toMatch(/This form has expired or was not sent from this site/);
    expect(await rateLimitCount()).toBe(0);
  });

  it('refuses an oversized form with a localised page', async () => {
    const { browser, page } = await openLogin({ ui_locales: 'en' });
    const after = await submitLogin(browser, page, { membershipNumber, password: 'x'.repeat(20_000) });
    expect(after.status).toBe(413);
    expect(textOf(after, '[role=alert]')).toBe('What you sent is too large.');
  });

  it('answers "temporarily unavailable, try again" at once while too many sign-ins wait for a password hash', async () => {
    const { browser, page } = await openLogin({ ui_locales: 'en' });
    // Every hash slot busy and the queue full (64 per slot), from this same process.
    const stored = (await app.context.members.findByMembershipNumber(membershipNumber))!.passwordHash!;
    const slots = Math.min(4, availableParallelism());
    const flood = Array.from({ length: slots + 64 * slots }, () => verifyPassword('a guess', stored));
    const after = await submitLogin(browser, page, { membershipNumber, password });
    await Promise.all(flood);
    expect(after.status).toBe(503);
    expect(after.headers.get('retry-after')).toBe('10');
    expect(textOf(after, 'main')).toContain(
      'The service is temporarily unavailable. Please wait a moment and try again.',
    );
    // Not a failure of the member's: nothing was counted against the number.
    expect(await rateLimitCount()).toBe(0);

    const retry = await openLogin();
    expect(isCallback((await submitLogin(retry.browser, retry.page, { membershipNumber, password })).url)).toBe(true);
  });

  it.each([
    ['an unknown interaction', '/interaction/abcdefghijklmnopqrstu'],
    ['a malformed interaction id', '/interaction/%3Cscript%3E'],
    ['a post to an unknown interaction', '/interaction/abcdefghijklmnopqrstu/login'],
  ])('shows %s as expired, with a way back', async (_label, path) => {
    const browser = new Browser();
    browser.headers['accept-language'] = 'en';
    const page = path.endsWith('/login')
      ? await browser.go(`${app.baseUrl}${path}`, { form: { membershipNumber, password } })
      : await browser.go(`${app.baseUrl}${path}`);
    expect(page.status).toBe(400);
    expect(textOf(page, '[role=alert]')).toMatch(/Your login session has expired or is no longer valid/);
    expect(page.html.querySelector('a.button')?.getAttribute('href')).toBe('/');
  });

  it('shows an interaction that expired while the page was open as expired, with a way back', async () => {
    const browser = new Browser();
    browser.headers['accept-language'] = 'en'; // the app's ui_locales went with the interaction
    const { page } = await openLogin({}, browser);
    clock.advanceSeconds(app.context.config.ttl.interactionSeconds + 60);
    const after = await submitLogin(browser, page, { membershipNumber, password });
    expect(after.status).toBe(400);
    expect(textOf(after, '[role=alert]')).toMatch(/Your login session has expired or is no longer valid/);
    expect(after.html.querySelector('html')?.getAttribute('lang')).toBe('en');
  });

  it('returns access_denied to the app when the member cancels', async () => {
    const { browser, page, pending } = await openLogin();
    const after = await browser.submit(page, 'form[action$="/abort"]', {}, { stopAt: isCallback });
    const callback = new URL(after.url);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe(pending.state);
  });
});

describe('consent', () => {
  it('is asked by a third-party app, once, and "Do not allow" returns access_denied', async () => {
    const browser = new Browser();
    const first = await openLogin({ ui_locales: 'en', scope: 'openid email' }, browser, thirdParty);
    const consent = await submitLogin(browser, first.page, { membershipNumber, password });
    expect(textOf(consent, 'h1')).toBe('Allow access');
    expect(consent.html.querySelectorAll('ul.scopes li').map((li) => li.text.trim())).toEqual([
      'Your member identifier',
      'Your e-mail address',
    ]);
    const denied = await browser.submit(consent, 'form[action$="/abort"]', {}, { stopAt: isCallback });
    expect(new URL(denied.url).searchParams.get('error')).toBe('access_denied');

    const second = await openLogin({ scope: 'openid email' }, browser, thirdParty);
    const allowed = await browser.submit(second.page, 'form[action$="/confirm"]', {}, { stopAt: isCallback });
    const tokens = await exchangeCode(thirdParty, allowed.url, second.pending);
    expect(tokens.scope).toBe('openid email');

    // Already granted: no consent page the next time.
    const third = await authorizationUrl(thirdParty, { scope: 'openid email' });
    const silent = await browser.go(third.url, { stopAt: isCallback });
    expect(isCallback(silent.url)).toBe(true);
  });

  it('is never asked by a first-party app', async () => {
    const { browser, page } = await openLogin({ scope: 'openid profile email phone membership' });
    const after = await submitLogin(browser, page, { membershipNumber, password });
    expect(isCallback(after.url)).toBe(true);
  });
});

describe('a password hash from before Argon2id', () => {
  // scrypt N = 2^15, r = 8, p = 1 as this provider wrote it, for the password 'correct horse battery staple'.
  const earlier = 'scrypt$15$8$1$c2NyeXB0LXNhbHQtMDAxNg$TVUYfG7ViOm9XZ_C6-tdTC0eL6cDnX1-dkxfPwh3cbY';
  const theirPassword = 'correct horse battery staple';

  it('still signs the member in, is replaced by an Argon2id hash then, and the member signs in with that', async () => {
    const member = await app.context.members.create({
      familyName: 'Ito',
      givenName: 'Aoi',
      email: 'aoi@example.com',
      countryOfResidence: 'JP',
      locale: 'en',
    });
    await memberModel(app).updateOne({ _id: member._id }, { $set: { passwordHash: earlier } });
    const storedHash = async () => (await app.context.members.findById(member._id))?.passwordHash;

    const wrong = await openLogin();
    expect(
      (
        await submitLogin(wrong.browser, wrong.page, {
          membershipNumber: member.membershipNumber,
          password: 'not their password',
        })
      ).status,
    ).toBe(401);
    expect(await storedHash()).toBe(earlier);

    const first = await openLogin();
    const signedIn = await submitLogin(first.browser, first.page, {
      membershipNumber: member.membershipNumber,
      password: theirPassword,
    });
    expect(isCallback(signedIn.url)).toBe(true);
    expect((await exchangeCode(rp, signedIn.url, first.pending)).claims()?.sub).toBe(member._id);
    const upgraded = await storedHash();
    expect(upgraded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);

    const again = await openLogin();
    const second = await submitLogin(again.browser, again.page, {
      membershipNumber: member.membershipNumber,
      password: theirPassword,
    });
    expect(isCallback(second.url)).toBe(true);
    expect(await storedHash()).toBe(upgraded); // rehashed once, not at every sign-in
  });
});
