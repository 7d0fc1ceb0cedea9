import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser as Chromium, Page } from 'playwright-core';
import { ACR } from '../../src/assurance/acr.js';
import { startTestApp, type TestApp, uniqueDbName } from '../support/app.js';
import { addAuthenticator, launchChromium } from '../support/chromium.js';
import { type DeliveryStandIns, startDeliveryStandIns } from '../support/delivery.js';
import { eventually } from '../support/eventually.js';
import { authorizationUrl, exchangeCode, firstPartyWebRp, type RelyingParty } from '../support/rp.js';
import { codeIn } from '../support/vonage.js';

/**
 * In Chromium, as a member goes: a forgotten password from a relying app's sign-in, back to the
 * app; and the passkey offered after a sign-in whose one-time password came by SMS, created with
 * that code alone (no second SMS).
 */
let app: TestApp;
let delivery: DeliveryStandIns;
let chromium: Chromium;
let rp: RelyingParty;
let rpServer: Server;
let REDIRECT = '';

beforeAll(async () => {
  rpServer = createServer((_req, res) => res.end('relying app'));
  await new Promise<void>((resolve) => rpServer.listen(0, '127.0.0.1', resolve));
  REDIRECT = `http://localhost:${(rpServer.address() as AddressInfo).port}/cb`;
  delivery = await startDeliveryStandIns();
  app = await startTestApp({ dbName: uniqueDbName('e2e-recovery'), env: delivery.env });
  rp = await firstPartyWebRp(app, REDIRECT);
  chromium = await launchChromium();
}, 60_000);

afterAll(async () => {
  await chromium?.close();
  await app?.close();
  await delivery?.close();
  rpServer?.close();
});

async function newPage(): Promise<Page> {
  const context = await chromium.newContext({ locale: 'en-US' });
  return context.newPage();
}

describe('a forgotten password', () => {
  it('is reset from the app’s sign-in, which the member then completes with the new password', async () => {
    const email = 'forgetful@example.jp';
    const member = await app.context.members.create({
      familyName: 'Forget',
      givenName: 'Ful',
      email,
      countryOfResidence: 'JP',
      password: 'the password I forgot',
      locale: 'en',
    });
    const page = await newPage();
    const pending = await authorizationUrl(rp);
    await page.goto(pending.url);
    await page.click('text=Forgot your password?');
    await page.fill('#membershipNumber', member.membershipNumber);
    const seen = delivery.smtp.inbox.length;
    await page.click('form[action$="/recovery"] button[type=submit]');
    await page.waitForURL(/\/recovery\/code$/);
    const mail = await eventually(() => delivery.smtp.inbox.slice(seen).find((m) => m.to.includes(email)));
    await page.fill('#code', codeIn(mail.text));
    await page.click('form[action$="/recovery/code"] button[type=submit]');
    await page.waitForURL(/\/recovery\/password$/);
    const chosen = 'a long passphrase I will remember';
    await page.fill('#password', chosen);
    await page.fill('#confirm', chosen);
    await page.click('form[action$="/recovery/password"] button[type=submit]');
    await page.waitForSelector('[role=status]');
    expect(await page.locator('[role=status]').textContent()).toContain('Your password has been changed');

    await page.fill('#membershipNumber', member.membershipNumber);
    await page.fill('#password', chosen);
    await page.click('form[action$="/login"] button[type=submit]');
    await page.waitForURL((url) => url.href.startsWith(REDIRECT));
    expect((await exchangeCode(rp, page.url(), pending)).claims()!.sub).toBe(member._id);
    await page.context().close();
  });
});

describe('the passkey offered after an SMS code', () => {
  it('is created with that code alone, and the member arrives at the app', async () => {
    const phone = '+819033334444';
    const member = await app.context.members.create({
      familyName: 'Offer',
      givenName: 'Taken',
      email: 'offer@example.jp',
      phone,
      notificationChannel: 'sms',
      countryOfResidence: 'JP',
      password: 'offer member password',
      locale: 'en',
    });
    const page = await newPage();
    const authenticator = await addAuthenticator(page.context(), page, 'internal');
    const pending = await authorizationUrl(rp, { acr_values: ACR.otp });
    await page.goto(pending.url);
    await page.fill('#membershipNumber', member.membershipNumber);
    await page.fill('#password', 'offer member password');
    await page.click('form[action$="/login"] button[type=submit]');
    await page.click('form[action$="/otp/send"]:not(.alternative) button');
    const sms = await eventually(() => delivery.vonage.lastTo(phone));
    const smsCount = delivery.vonage.sent.length;
    await page.fill('#code', codeIn(sms.text));
    await page.click('form[action$="/otp/verify"] button');

    await page.waitForURL(/\/passkey\/offer$/);
    expect(await page.locator('h1').textContent()).toBe('Create a passkey on this device?');
    await page.click('a.button:not(.secondary)');
    // No SMS page: the code just entered was the check.
    await page.waitForSelector('[data-passkey-register][data-ready="true"]');
    await page.click('[data-passkey-create]');
    await page.waitForURL((url) => url.href.startsWith(REDIRECT));
    const claims = (await exchangeCode(rp, page.url(), pending)).claims()!;
    expect(claims).toMatchObject({ sub: member._id, acr: ACR.otp });

    expect(delivery.vonage.sent.length).toBe(smsCount);
    expect(await authenticator.credentials()).toHaveLength(1);
    expect(await app.connection.collection('passkeys').countDocuments({ ownerId: member._id })).toBe(1);
    await page.context().close();
  });
});
