import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { Browser as Chromium } from 'playwright-core';
import { startTestApp, type TestApp, uniqueDbName } from '../support/app.js';
import { addAuthenticator, launchChromium } from '../support/chromium.js';

/**
 * An admin's first day, in Chromium with the DevTools virtual authenticator: the enrolment link
 * from scripts/create-admin registers the admin passkey, the admin signs in to the console with
 * it, and registers a relying app through the console pages (its secret shown once).
 */
let app: TestApp;
let chromium: Chromium;

beforeAll(async () => {
  app = await startTestApp({ dbName: uniqueDbName('e2e-admin') });
  chromium = await launchChromium();
}, 60_000);

afterAll(async () => {
  await chromium?.close();
  await app?.close();
});

it('enrols an admin with a passkey, signs in to the console and registers a client', async () => {
  const admin = await app.context.admins.create({ email: 'ops@example.jp', name: 'Ops Lead', role: 'editor' });
  const { link } = await app.context.admins.createEnrolment(admin);

  const context = await chromium.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  const authenticator = await addAuthenticator(context, page, 'internal');

  await page.goto(link);
  await page.waitForSelector('[data-passkey-register][data-ready="true"]');
  await page.click('[data-passkey-create]');
  // The enrolment ends at the console, which sends the new admin to sign in with that passkey.
  await page.waitForSelector('[data-passkey-login][data-ready="true"]');
  expect((await page.locator('h1').textContent())?.trim()).toBe('Admin console sign-in');
  expect(await authenticator.credentials()).toHaveLength(1);
  await page.click('[data-passkey-discoverable]');
  await page.waitForURL(`${app.baseUrl}/admin`);
  expect(await page.locator('nav.admin-nav').textContent()).toContain('Signed in as Ops Lead (editor)');

  await page.click('text=Client applications');
  await page.click('text=Register an application');
  await page.fill('#name', 'JAL Card Web');
  await page.selectOption('#kind', 'web');
  await page.fill('#redirect_uris', 'https://card.example.jp/oidc/callback');
  await page.check('input[name=first_party]');
  await page.click('form[action="/admin/clients"] button[type=submit]');
  await page.waitForURL(/\/admin\/clients\/[A-Za-z0-9_-]+$/, { timeout: 10_000 }).catch(async (error: unknown) => {
    if (process.env.E2E_DEBUG)
      console.log(page.url(), (await page.locator('main').textContent())?.replace(/\s+/g, ' '));
    throw error;
  });
  const secret = await page.locator('[data-client-secret]').textContent();
  expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  const clientId = (await page.locator('dd [data-client-id]').textContent())!;

  // Shown once: a reload no longer has it.
  await page.reload();
  expect(await page.locator('[data-client-secret]').count()).toBe(0);

  const view = await app.context.clients.get(clientId);
  expect(view).toMatchObject({
    name: 'JAL Card Web',
    kind: 'web',
    first_party: true,
    redirect_uris: ['https://card.example.jp/oidc/callback'],
  });
  const audit = await app.connection
    .collection('audit_events')
    .find({ actor: `admin:${admin._id}` })
    .toArray();
  expect(audit.map((event) => event.type)).toEqual(
    expect.arrayContaining(['admin.enrolled', 'admin.login', 'client.created']),
  );
  await context.close();
});
