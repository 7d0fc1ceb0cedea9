import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp, uniqueDbName } from '../support/app.js';
import { Browser, findForm, type Page, postJson, textOf } from '../support/browser.js';
import { type DeliveryStandIns, startDeliveryStandIns } from '../support/delivery.js';
import { authorizationUrl, firstPartyWebRp, type RelyingParty } from '../support/rp.js';
import { codeIn } from '../support/vonage.js';

/**
 * The per-network budgets, set small through their environment variables: many members behind
 * one address (a carrier's NAT, an airport's Wi-Fi) must not use up what is there to slow down
 * someone guessing. Successes and page views cost nothing; failures do.
 */
let app: TestApp;
let delivery: DeliveryStandIns;
let rp: RelyingParty;
const REDIRECT = 'https://app.example.com/cb';
const password = 'a member behind a carrier NAT';
const members: string[] = [];

beforeAll(async () => {
  delivery = await startDeliveryStandIns();
  app = await startTestApp({
    dbName: uniqueDbName('budgets'),
    env: {
      ...delivery.env,
      RATE_LIMIT_LOGIN_PER_IP_PER_HOUR: '3',
      RATE_LIMIT_OTP_SEND_PER_IP_PER_HOUR: '4',
      RATE_LIMIT_OTP_VERIFY_PER_IP_PER_HOUR: '3',
      RATE_LIMIT_PASSKEY_OPTIONS_PER_IP_PER_HOUR: '3',
    },
  });
  for (let i = 0; i < 8; i += 1) {
    const member = await app.context.members.create({
      familyName: 'Nat',
      givenName: `Member${i}`,
      email: `nat${i}@example.jp`,
      countryOfResidence: 'JP',
      password,
      locale: 'en',
    });
    members.push(member.membershipNumber);
  }
  rp = await firstPartyWebRp(app, REDIRECT);
});

afterAll(async () => {
  await app?.close();
  await delivery?.close();
});

beforeEach(async () => {
  await app.connection.collection('rate_limits').deleteMany({});
});

async function loginPage(browser = new Browser()): Promise<{ browser: Browser; page: Page }> {
  browser.headers['accept-language'] = 'en';
  const page = await browser.go((await authorizationUrl(rp)).url);
  findForm(page, 'form[action$="/login"]');
  return { browser, page };
}

const signIn = (browser: Browser, page: Page, membershipNumber: string, secret = password) =>
  browser.submit(
    page,
    'form[action$="/login"]',
    { membershipNumber, password: secret },
    { stopAt: (url) => url.startsWith(REDIRECT) },
  );

it('reads the budgets from the environment', () => {
  expect(app.context.config.login.perIpPerHour).toBe(3);
  expect(app.context.config.otp.perIpPerHour).toBe(4);
  expect(app.context.config.otp.verifyPerIpPerHour).toBe(3);
  expect(app.context.config.passkey.optionsPerIpPerHour).toBe(3);
});

describe('password attempts from one network', () => {
  it('count only failures: members signing in successfully never use up the budget', async () => {
    // More than twice the budget of successful sign-ins from one address...
    for (const number of members) {
      const { browser, page } = await loginPage();
      const done = await signIn(browser, page, number);
      expect(done.url.startsWith(REDIRECT)).toBe(true);
    }
    // ...and the budget for failures is still whole.
    let { browser, page } = await loginPage();
    for (let i = 0; i < 3; i += 1) {
      page = await signIn(browser, page, members[i]!, 'a wrong guess');
      expect(page.status).toBe(401);
    }
    page = await signIn(browser, page, members[3]!, 'a wrong guess');
    expect(page.status).toBe(429);
    expect(textOf(page, '[role=alert]')).toBe(
      'Too many login attempts from your network. Please wait a while and try again.',
    );
    // Once spent, even the right password from this network waits (the number is not checked).
    ({ browser, page } = await loginPage());
    expect((await signIn(browser, page, members[4]!)).status).toBe(429);
  });
});

describe('one-time passwords from one network', () => {
  const ip = '198.51.100.23';
  const issue = async (i: number, from = ip) => {
    const result = await app.context.otp.issue({
      memberId: `nat-${i}`,
      memberName: 'Nat',
      purpose: 'step-up',
      binding: `b-${i}`,
      channel: 'email',
      destination: `nat${i}@example.jp`,
      locale: 'en',
      ip: from,
    });
    return result.ok ? codeIn(delivery.smtp.lastTo(`nat${i}@example.jp`)?.text) : result.reason;
  };
  const verify = (i: number, code: string) =>
    app.context.otp.verify({ memberId: `nat-${i}`, purpose: 'step-up', binding: `b-${i}`, code, ip });

  it('count every code sent, as RATE_LIMIT_OTP_SEND_PER_IP_PER_HOUR says', async () => {
    for (let i = 0; i < 4; i += 1) expect(await issue(i)).toMatch(/^\d{6}$/);
    expect(await issue(4)).toBe('tooMany');
  });

  it('count only wrong codes against the verification budget', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 6; i += 1) codes.push(await issue(i, `192.0.2.${i}`));
    // Six members confirm their codes from one address: nothing is spent.
    for (const [i, code] of codes.entries()) expect((await verify(i, code)).ok).toBe(true);
    for (let i = 0; i < 3; i += 1) expect((await verify(i, '000000')).ok).toBe(false);
    expect(await verify(5, '000000')).toEqual({ ok: false, reason: 'tooManyFromHere' });
  });
});

describe('passkey options from one network', () => {
  const autofill = (browser: Browser, page: Page) => {
    const root = page.html.querySelector('[data-passkey-login]')!;
    return postJson(
      browser,
      new URL(root.getAttribute('data-options-url')!, page.url).href,
      { mode: 'autofill' },
      root.getAttribute('data-csrf')!,
    );
  };

  it('are not spent by viewing the login page, whose script asks for autofill options', async () => {
    for (let i = 0; i < 8; i += 1) {
      const { browser, page } = await loginPage();
      const answer = await autofill(browser, page);
      expect(answer.status).toBe(200);
      expect(answer.data.challenge).toEqual(expect.any(String));
    }
    // Asking for a membership number's passkeys is what the budget is for.
    const { browser, page } = await loginPage();
    const root = page.html.querySelector('[data-passkey-login]')!;
    const byNumber = () =>
      postJson(
        browser,
        new URL(root.getAttribute('data-options-url')!, page.url).href,
        { mode: 'number', membershipNumber: members[0] },
        root.getAttribute('data-csrf')!,
      );
    for (let i = 0; i < 3; i += 1) expect((await byNumber()).status).toBe(200);
    const refused = await byNumber();
    expect(refused.status).toBe(429);
    expect(refused.data.error_description).toBe(
      'Too many passkey requests from your network. Please wait a while and try again.',
    );
  });

  it('without a membership number are never refused: each replaces the sign-in’s last challenge', async () => {
    const { browser, page } = await loginPage();
    for (let i = 0; i < 30; i += 1) expect((await autofill(browser, page)).status).toBe(200);
  });
});
