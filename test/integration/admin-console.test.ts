import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Admin } from '../../src/admins/model.js';
import { startTestApp, type TestApp, uniqueDbName } from '../support/app.js';
import { Browser, findForm, type Page, postJson, textOf } from '../support/browser.js';
import { type DeliveryStandIns, startDeliveryStandIns } from '../support/delivery.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';

/**
 * The admin console over HTTP, with admins' passkeys played by a software authenticator:
 * enrolment, passkey-only sign-in (members and non-passkey sessions refused), the confirmed
 * changes to clients and members, the audit trail, and what a read-only admin may do.
 */
let app: TestApp;
let delivery: DeliveryStandIns;
let member = { id: '', number: '' };

beforeAll(async () => {
  delivery = await startDeliveryStandIns();
  app = await startTestApp({ dbName: uniqueDbName('admin-console'), env: delivery.env });
  const m = await app.context.members.create({
    familyName: 'Console',
    givenName: 'Member',
    email: 'console.member@example.jp',
    countryOfResidence: 'GB',
    password: 'a member password',
    locale: 'en',
  });
  member = { id: m._id, number: m.membershipNumber };
});

afterAll(async () => {
  await app?.close();
  await delivery?.close();
});

/** Enrols a new admin through the one-time link; returns their passkey. */
async function enrol(
  role: Admin['role'],
  email: string,
): Promise<{ admin: Admin; key: SoftAuthenticator; browser: Browser }> {
  const admin = await app.context.admins.create({ email, name: `${role} admin`, role });
  const { link } = await app.context.admins.createEnrolment(admin);
  const browser = new Browser();
  browser.headers['accept-language'] = 'en';
  browser.headers['user-agent'] = 'AdminBrowser/1.0';
  const page = await browser.go(link);
  expect(textOf(page, 'h1')).toBe('Set up your admin passkey');
  const csrf = page.html.querySelector('[data-passkey-register]')!.getAttribute('data-csrf')!;
  const options = await postJson(browser, `${link}/options`, {}, csrf);
  const key = new SoftAuthenticator(app.baseUrl);
  const done = await postJson(browser, `${link}/verify`, { response: key.register(options.data as never) }, csrf);
  expect(done.status).toBe(200);
  // The link is used up.
  expect((await browser.go(link)).status).toBe(404);
  return { admin, key, browser };
}

/** Signs in to the console with the admin passkey; ends on `path`. */
async function signIn(browser: Browser, key: SoftAuthenticator, path = '/admin'): Promise<Page> {
  const login = await browser.go(`${app.baseUrl}${path}`);
  expect(textOf(login, 'h1')).toBe('Admin console sign-in');
  const root = login.html.querySelector('[data-passkey-login]')!;
  const csrf = root.getAttribute('data-csrf')!;
  const options = await postJson(browser, new URL(root.getAttribute('data-options-url')!, login.url).href, {}, csrf);
  const result = await postJson(
    browser,
    new URL(root.getAttribute('data-verify-url')!, login.url).href,
    { response: key.authenticate(options.data as never) },
    csrf,
  );
  expect(result.status).toBe(200);
  return browser.go(new URL(result.data.redirect, app.baseUrl).href);
}

async function confirmStep(browser: Browser, path: string): Promise<Page> {
  const confirm = await browser.go(`${app.baseUrl}${path}`);
  expect(textOf(confirm, '.alert.info')).not.toBe('');
  return browser.submit(confirm, `form[action="${path}"]`);
}

let editor: Awaited<ReturnType<typeof enrol>>;

describe('signing in to the console', () => {
  it('enrols an admin and signs them in with their passkey only', async () => {
    editor = await enrol('editor', 'editor@example.jp');
    const home = await signIn(editor.browser, editor.key);
    expect(new URL(home.url).pathname).toBe('/admin');
    expect(textOf(home, 'nav.admin-nav')).toContain('Signed in as editor admin (editor)');
  });

  it('offers members no way in: the console’s sign-in has no password and knows no member passkey', async () => {
    const browser = new Browser();
    browser.headers['accept-language'] = 'en';
    const login = await browser.go(`${app.baseUrl}/admin`);
    expect(login.html.querySelector('input[type=password]')).toBeNull();
    const uid = new URL(login.url).pathname.split('/')[2];
    const root = login.html.querySelector('[data-passkey-login]')!;
    const csrf = root.getAttribute('data-csrf')!;
    const refused = await browser.go(`${app.baseUrl}/interaction/${uid}/login`, {
      form: { _csrf: csrf, membershipNumber: member.number, password: 'a member password' },
    });
    expect(refused.status).toBe(400);
    const memberKey = new SoftAuthenticator(app.baseUrl);
    const options = await postJson(browser, `${app.baseUrl}/interaction/${uid}/admin/options`, {}, csrf);
    memberKey.userHandle = Buffer.from(member.id).toString('base64url');
    const result = await postJson(
      browser,
      `${app.baseUrl}/interaction/${uid}/admin/verify`,
      { response: memberKey.authenticate(options.data as never) },
      csrf,
    );
    expect(result.status).toBe(400);
    expect(result.data.error_description).toBe('Sign-in with an admin passkey did not succeed.');
  });

  it('sends an admin whose console token lapsed through a fresh sign-in', async () => {
    await app.connection.collection('oidc_access_token').deleteMany({});
    const page = await editor.browser.go(`${app.baseUrl}/admin/clients`);
    // The provider session is still there and the passkey level met: straight back to the page.
    expect(new URL(page.url).pathname).toBe('/admin/clients');
  });
});

describe('clients through the console', () => {
  let clientId = '';

  it('registers a client, showing its secret once, and explains bad input', async () => {
    const form = await editor.browser.go(`${app.baseUrl}/admin/clients/new`);
    const bad = await editor.browser.submit(form, 'form[action="/admin/clients"]', {
      name: 'Bad',
      kind: 'web',
      redirect_uris: 'http://bad.example/cb',
    });
    expect(bad.status).toBe(400);
    expect(textOf(bad, '[role=alert]')).toMatch(/^redirect_uris: http:\/\/bad\.example\/cb must use https/);
    const created = await editor.browser.submit(bad, 'form[action="/admin/clients"]', {
      name: 'Console App',
      kind: 'web',
      redirect_uris: 'https://app.example.jp/cb\nhttps://app.example.jp/cb2',
    });
    clientId = textOf(created, 'dd [data-client-id]');
    expect(textOf(created, '[data-client-secret]')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(textOf(created, '[role=status]')).toContain('The application has been registered.');
    expect((await editor.browser.go(created.url)).html.querySelector('[data-client-secret]')).toBeNull();
    expect((await app.context.clients.get(clientId))!.redirect_uris).toEqual([
      'https://app.example.jp/cb',
      'https://app.example.jp/cb2',
    ]);
  });

  it('edits it', async () => {
    const form = await editor.browser.go(`${app.baseUrl}/admin/clients/${clientId}/edit`);
    const fields = findForm(form, `form[action="/admin/clients/${clientId}"]`).fields;
    const saved = await editor.browser.submit(form, `form[action="/admin/clients/${clientId}"]`, {
      ...fields,
      name: 'Console App 2',
      min_acr: 'urn:jmb:acr:passkey',
    });
    expect(textOf(saved, '[role=status]')).toBe('The application has been updated.');
    expect(await app.context.clients.get(clientId)).toMatchObject({
      name: 'Console App 2',
      min_acr: 'urn:jmb:acr:passkey',
    });
  });

  it('rotates the secret, disables, enables and deletes it, each after a confirmation', async () => {
    const rotated = await confirmStep(editor.browser, `/admin/clients/${clientId}/rotate`);
    expect(textOf(rotated, '[data-client-secret]')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(textOf(await confirmStep(editor.browser, `/admin/clients/${clientId}/disable`), '[role=status]')).toBe(
      'The application has been disabled.',
    );
    expect((await app.context.clients.get(clientId))!.disabled).toBe(true);
    await confirmStep(editor.browser, `/admin/clients/${clientId}/enable`);
    expect((await app.context.clients.get(clientId))!.disabled).toBe(false);
    const deleted = await confirmStep(editor.browser, `/admin/clients/${clientId}/delete`);
    expect(textOf(deleted, '[role=status]')).toBe('The application has been deleted.');
    expect(await app.context.clients.get(clientId)).toBeNull();
    const types = (await app.connection.collection('audit_events').find({ clientId }).sort({ at: 1 }).toArray()).map(
      (e) => e.type,
    );
    expect(types).toEqual([
      'client.created',
      'client.changed',
      'client.secret_rotated',
      'client.disabled',
      'client.enabled',
      'client.deleted',
    ]);
  });

  it('issues an initial access token for dynamic registration, shown once', async () => {
    const page = await confirmStep(editor.browser, '/admin/clients/registration-token');
    const token = textOf(page, '[data-initial-access-token]');
    expect(token.length).toBeGreaterThan(20);
    expect((await editor.browser.go(page.url)).html.querySelector('[data-initial-access-token]')).toBeNull();
  });
});

describe('members through the console', () => {
  it('finds a member and locks, unlocks and ends their sessions, each confirmed', async () => {
    const found = await editor.browser.go(`${app.baseUrl}/admin/members?number=${member.number}`);
    expect(new URL(found.url).pathname).toBe(`/admin/members/${member.id}`);
    expect(textOf(found, '[data-status]')).toBe('Active');
    expect(textOf(await confirmStep(editor.browser, `/admin/members/${member.id}/lock`), '[data-status]')).toBe(
      'Locked',
    );
    expect(textOf(await confirmStep(editor.browser, `/admin/members/${member.id}/unlock`), '[data-status]')).toBe(
      'Active',
    );
    expect(textOf(await confirmStep(editor.browser, `/admin/members/${member.id}/end-sessions`), '[role=status]')).toBe(
      'All of the member’s sessions have been ended.',
    );
    const notFound = await editor.browser.go(`${app.baseUrl}/admin/members?number=100000009`);
    expect(notFound.status).toBe(404);
    expect(textOf(notFound, '[role=status]')).toBe('No member has this membership number.');
  });

  it('changes a member’s mobile number on their behalf after a review, and tells them', async () => {
    const page = await editor.browser.go(`${app.baseUrl}/admin/members/${member.id}`);
    const bad = await editor.browser.submit(page, `form[action="/admin/members/${member.id}/contact/review"]`, {
      phone: '',
      email: '',
    });
    expect(textOf(bad, '[role=alert]')).toBe('Enter a new e-mail address or mobile phone number.');
    const review = await editor.browser.submit(bad, `form[action="/admin/members/${member.id}/contact/review"]`, {
      phone: '+44 7911 123456',
    });
    expect(textOf(review, '.alert.info')).toContain('+44 7911 123456');
    const done = await editor.browser.submit(review, `form[action="/admin/members/${member.id}/contact"]`);
    expect(textOf(done, '[role=status]')).toBe('The contact details have been changed and the member has been told.');
    expect((await app.context.members.findById(member.id))!.phone).toBe('+447911123456');
    expect(delivery.smtp.lastTo('console.member@example.jp')?.subject).toBe('Your JMB mobile phone number was changed');
  });

  it('shows the audit trail filtered by member', async () => {
    const page = await editor.browser.go(`${app.baseUrl}/admin/audit?member_id=${member.id}`);
    const types = page.html.querySelectorAll('tr[data-type]').map((row) => row.getAttribute('data-type'));
    expect(types).toEqual(
      expect.arrayContaining(['member.locked', 'member.unlocked', 'member.sessions_ended', 'profile.phone_changed']),
    );
    const actorEvent = await app.connection
      .collection('audit_events')
      .findOne({ type: 'member.locked', memberId: member.id });
    // The admin's own browser (and address), not the console's loopback call to the API.
    expect(actorEvent).toMatchObject({ actor: `admin:${editor.admin._id}`, userAgent: 'AdminBrowser/1.0' });
  });
});

describe('a read-only admin', () => {
  it('sees no change buttons, and a change is refused', async () => {
    const viewer = await enrol('viewer', 'viewer@example.jp');
    const home = await signIn(viewer.browser, viewer.key, '/admin/clients');
    expect(textOf(home, '.alert.info')).toBe('Your role can view but not change anything.');
    expect(home.html.querySelector('a[href="/admin/clients/new"]')).toBeNull();
    const memberPage = await viewer.browser.go(`${app.baseUrl}/admin/members/${member.id}`);
    expect(memberPage.html.querySelector(`a[href="/admin/members/${member.id}/lock"]`)).toBeNull();
    const csrf = findForm(memberPage, 'form[action="/admin/logout"]').fields._csrf!;
    const refused = await viewer.browser.go(`${app.baseUrl}/admin/members/${member.id}/lock`, {
      form: { _csrf: csrf },
    });
    expect(refused.status).toBe(403);
    expect(textOf(refused, '[role=alert]')).toBe('Your role does not allow this change.');
    expect((await app.context.members.findById(member.id))!.status).toBe('active');
  });
});
