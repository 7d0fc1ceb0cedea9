import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BrowserContext, Browser as Chromium, Page } from 'playwright-core';
import { ACR } from '../../src/assurance/acr.js';
import { ManualClock } from '../../src/clock.js';
import { startTestApp, type TestApp, uniqueDbName } from '../support/app.js';
import { addAuthenticator, launchChromium, toBase64url, type VirtualAuthenticator } from '../support/chromium.js';
import { type DeliveryStandIns, startDeliveryStandIns } from '../support/delivery.js';
import { authorizationUrl, exchangeCode, firstPartyWebRp, type RelyingParty } from '../support/rp.js';
import { codeIn } from '../support/vonage.js';

/**
 * The member's whole passkey path in headless Chromium with the DevTools virtual authenticator:
 * password sign-in → SMS code → register a passkey → sign out → a relying app (openid-client)
 * sends the member to sign in with membership number + passkey → discoverable sign-in →
 * rename → delete → the deleted passkey is refused. Then the same with a "phone" (hybrid).
 */
let app: TestApp;
let delivery: DeliveryStandIns;
let chromium: Chromium;
let rp: RelyingParty;
let rpServer: Server;
let REDIRECT = '';
// Runs with real time; each flow moves it past the one-time-password resend cooldown.
const clock = new ManualClock({ running: true });
const password = 'browser member password';

beforeAll(async () => {
  // The relying app's callback: a real page on loopback (the app itself is played by openid-client).
  rpServer = createServer((_req, res) => res.end('relying app'));
  await new Promise<void>((resolve) => rpServer.listen(0, '127.0.0.1', resolve));
  REDIRECT = `http://localhost:${(rpServer.address() as AddressInfo).port}/cb`;
  delivery = await startDeliveryStandIns();
  app = await startTestApp({ dbName: uniqueDbName('e2e-passkeys'), env: delivery.env, clock });
  rp = await firstPartyWebRp(app, REDIRECT);
  chromium = await launchChromium();
}, 60_000);

/** The stored passkeys, as the database has them. */
const passkeysCollection = () => app.connection.collection('passkeys');

afterAll(async () => {
  await chromium?.close();
  await app?.close();
  await delivery?.close();
  rpServer?.close();
});

async function newMember(suffix: string) {
  const phone = `+8190777700${suffix}`;
  const email = `e2e${suffix}@example.jp`;
  const member = await app.context.members.create({
    familyName: 'Browser',
    givenName: suffix,
    email,
    phone,
    countryOfResidence: 'JP',
    password,
    locale: 'en',
  });
  return { id: member._id, number: member.membershipNumber, phone, email };
}
type Member = Awaited<ReturnType<typeof newMember>>;

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  if (process.env.E2E_DEBUG) {
    page.on('console', (message) => console.log(`[browser ${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) => console.log(`[page error] ${error.message}`));
  }
  return { context, page };
}

const mailCode = (address: string) => codeIn(delivery.smtp.lastTo(address)?.text);
const smsCode = (phone: string) => codeIn(delivery.vonage.lastTo(phone)?.text);

/**
 * My account: sign in (with the password, or with a discoverable passkey that the login page's
 * autofill uses at once in headless Chromium), then the e-mail one-time password; ends on `path`.
 */
async function openAccount(
  page: Page,
  member: Member,
  via: 'password' | 'passkey' = 'password',
  path = '/account/passkeys',
) {
  await page.goto(`${app.baseUrl}${path}`);
  if (via === 'password') {
    await page.fill('#membershipNumber', member.number);
    await page.fill('#password', password);
    await page.click('form[action$="/login"] button[type=submit]');
  }
  await page.waitForURL(/\/account\/verify/);
  clock.advanceSeconds(61);
  await page.click('form[action^="/account/verify/send"] button');
  await page.fill('#code', mailCode(member.email));
  await page.click('form[action^="/account/verify/check"] button');
  await page.waitForURL(`${app.baseUrl}${path}`);
}

async function registerPasskey(page: Page, member: Member) {
  await page.click('text=Add a passkey');
  await page.waitForURL(/\/account\/passkeys\/sms/);
  clock.advanceSeconds(61);
  await page.click('form[action^="/account/passkeys/sms/send"] button');
  await page.fill('#code', smsCode(member.phone));
  await page.click('form[action^="/account/passkeys/sms/check"] button');
  await page.waitForSelector('[data-passkey-register][data-ready="true"]');
  await page.click('[data-passkey-create]');
  await page.waitForURL(`${app.baseUrl}/account/passkeys`);
  await page.waitForSelector('[data-passkey-signals][data-signalled="true"]');
}

async function signOutOfAccount(page: Page) {
  await page.click('nav.account-nav button');
  await page.click('button[value=yes]');
  await page.waitForURL(/\/account\/signed-out/);
}

/** A relying app's sign-in; returns the callback URL the browser reached. */
async function relyingAppSignIn(page: Page, drive: (page: Page) => Promise<void>, params: Record<string, string> = {}) {
  const pending = await authorizationUrl(rp, params);
  await page.goto(pending.url);
  await drive(page);
  try {
    await page.waitForURL((url) => url.href.startsWith(REDIRECT), { timeout: 15_000 });
  } catch (error) {
    if (process.env.E2E_DEBUG) await page.screenshot({ path: '/tmp/e2e-failure.png', fullPage: true });
    throw error;
  }
  return exchangeCode(rp, page.url(), pending);
}

describe('a passkey on this device', () => {
  let member: Member;
  let context: BrowserContext;
  let page: Page;
  let authenticator: VirtualAuthenticator;

  beforeAll(async () => {
    member = await newMember('01');
    ({ context, page } = await newPage());
    authenticator = await addAuthenticator(context, page, 'internal');
  });
  afterAll(async () => {
    await context?.close();
  });

  it('is registered after a password sign-in and an SMS code', async () => {
    await openAccount(page, member);
    await registerPasskey(page, member);
    expect((await page.locator('[role=status]').textContent())?.trim()).toBe('Your passkey has been added.');
    const [credential] = await authenticator.credentials();
    expect(credential?.isResidentCredential).toBe(true);
    const stored = await passkeysCollection().findOne({ _id: toBase64url(credential!.credentialId) as never });
    expect(stored).toMatchObject({ ownerId: member.id, transports: ['internal'] });
    await signOutOfAccount(page);
  });

  it('signs in to a relying app with the membership number and the device check', async () => {
    // An app asking for the passkey level opens the passkey page, which has no autofill: the
    // member follows the seed's steps (number, then the device's check).
    const tokens = await relyingAppSignIn(
      page,
      async (p) => {
        await p.waitForSelector('[data-passkey-login][data-ready="true"]');
        await p.fill('#membershipNumber', member.number);
        await p.click('form[data-passkey-form] button[type=submit]');
      },
      { acr_values: ACR.passkey },
    );
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(member.id);
    expect(claims.acr).toBe(ACR.passkey);
    expect(claims.amr).toEqual(['hwk', 'user', 'mfa']);
    await page.context().clearCookies();
  });

  it('signs in with a discoverable passkey offered by autofill, without typing the number', async () => {
    const tokens = await relyingAppSignIn(page, async () => {
      // The login page's membership-number field offers passkeys; headless Chromium answers the
      // conditional (autofill) request at once.
    });
    expect(tokens.claims()!.sub).toBe(member.id);
    expect(tokens.claims()!.acr).toBe(ACR.passkey);
    await page.context().clearCookies();
  });

  it('is renamed and deleted in My account, and then refused', async () => {
    // The account sign-in itself is now done by the passkey (autofill), then the e-mail code.
    await openAccount(page, member, 'passkey');
    await page.fill('li.passkey input[name=name]', 'Work laptop');
    await page.click('li.passkey form button');
    await page.waitForURL(`${app.baseUrl}/account/passkeys`);
    expect((await page.locator('li.passkey .passkey-name').textContent())?.trim()).toBe('Work laptop');

    const [before] = await authenticator.credentials();
    await page.click('li.passkey a.danger');
    await page.click('form[action$="/delete"] button');
    await page.waitForURL(`${app.baseUrl}/account/passkeys`);
    await page.waitForSelector('[data-passkey-signals][data-signalled="true"]');
    expect(await passkeysCollection().countDocuments({ ownerId: member.id })).toBe(0);
    // The Signal API told the authenticator to forget it.
    expect(await authenticator.credentials()).toHaveLength(0);

    // Had it kept the passkey, the server would refuse it.
    await authenticator.cdp.send('WebAuthn.addCredential', { authenticatorId: authenticator.id, credential: before! });
    await signOutOfAccount(page);
    await page.context().clearCookies();
    const pending = await authorizationUrl(rp);
    await page.goto(pending.url);
    // The login page's autofill offers the passkey at once; the server refuses it...
    await page.locator('[data-passkey-error]:not([hidden])').waitFor();
    expect(await page.locator('[data-passkey-error]').textContent()).toBe(
      'Sign-in with a passkey did not succeed. Please try again, or log in with your password.',
    );
    // ...and the page tells the password manager (Signal API) to drop the unknown passkey.
    for (let i = 0; i < 50 && (await authenticator.credentials()).length > 0; i += 1) await page.waitForTimeout(100);
    expect(await authenticator.credentials()).toHaveLength(0);
    expect(page.url()).toContain('/interaction/');
  });
});

describe('a passkey on a phone (hybrid)', () => {
  it('stores the hybrid transport, signs in through the QR-code path, and offers a passkey on this device', async () => {
    const member = await newMember('02');
    const { context, page } = await newPage();
    await addAuthenticator(context, page, 'hybrid');
    await openAccount(page, member);
    await registerPasskey(page, member);
    const [stored] = await passkeysCollection().find({ ownerId: member.id }).toArray();
    expect(stored!.transports).toContain('hybrid');
    await signOutOfAccount(page);
    await context.clearCookies();

    const pending = await authorizationUrl(rp);
    await page.goto(pending.url);
    await page.click('a.passkey');
    await page.waitForSelector('[data-passkey-login][data-ready="true"]');
    await page.fill('#membershipNumber', member.number);
    const optionsResponse = page.waitForResponse(
      (r) => r.url().endsWith('/passkey/options') && r.request().postData()?.includes('"hybrid"') === true,
    );
    await page.click('[data-passkey-hybrid]');
    const options = (await (await optionsResponse).json()) as { hints: string[]; allowCredentials: unknown[] };
    expect(options.hints).toEqual(['hybrid']);
    expect(options.allowCredentials).toEqual([]);

    await page.waitForURL(/\/passkey\/offer$/);
    expect((await page.locator('h1').textContent())?.trim()).toBe('Create a passkey on this device?');
    await page.click('text=Not now, continue');
    await page.waitForURL((url) => url.href.startsWith(REDIRECT));
    const tokens = await exchangeCode(rp, page.url(), pending);
    expect(tokens.claims()!.sub).toBe(member.id);
    expect(tokens.claims()!.amr).toContain('user');
    await context.close();
  });
});

describe('a browser without passkeys', () => {
  it('is told so, with the platforms that work, and offered the password', async () => {
    const { context, page } = await newPage();
    // What a browser without WebAuthn looks like to the page.
    await context.addInitScript({
      content: "Object.defineProperty(window, 'PublicKeyCredential', { value: undefined });",
    });
    const pending = await authorizationUrl(rp);
    await page.goto(pending.url);
    await page.click('a.passkey');
    await page.locator('[data-passkey-unsupported]:not([hidden])').waitFor();
    const text = (await page.locator('[data-passkey-unsupported]').textContent())!.replace(/\s+/g, ' ');
    expect(text).toContain('This browser cannot use passkeys');
    for (const platform of [
      'Windows 11',
      'macOS 13 or later',
      'iOS 16 or later',
      'Android 9 or later',
      'Chrome 109 or later',
    ])
      expect(text).toContain(platform);
    expect(await page.locator('form[data-passkey-form]').isHidden()).toBe(true);
    expect(await page.locator('text=Log in with your password instead').isVisible()).toBe(true);
    await context.close();
  });
});
