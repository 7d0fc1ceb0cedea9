import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startDemoApp } from '../../src/dev/demo-app.js';
import { DEMO_CLIENT_ID, DEMO_MEMBER, seedDemoData } from '../../src/dev/seed.js';
import { browserWith, CHROME_ON_WINDOWS, SAFARI_ON_IPHONE, signInToAccount } from '../support/account.js';
import { serviceToken } from '../support/admin-api.js';
import { startTestApp, type TestApp, uniqueDbName } from '../support/app.js';
import { type Browser, textOf } from '../support/browser.js';
import { type DeliveryStandIns, startDeliveryStandIns } from '../support/delivery.js';
import { eventually } from '../support/eventually.js';
import { type LogoutReceiver, startLogoutReceiver } from '../support/logout-receiver.js';
import { authorizationUrl, discoverRp, exchangeCode, oidc, type RelyingParty } from '../support/rp.js';
import { codeIn } from '../support/vonage.js';

/**
 * OpenID Connect Back-Channel Logout 1.0: apps register a backchannel_logout_uri (admin API,
 * dynamic registration), discovery says so, and a logout token that verifies against the JWKS
 * reaches the app whenever the member's session ends: RP-initiated logout, the security centre,
 * an admin ending the sessions or locking the member, a password reset. A failing app is retried and audited, and
 * the member's page never waits for it. The demo app ends its own session on such a token.
 */
let app: TestApp;
let delivery: DeliveryStandIns;
let flights: LogoutReceiver;
let broken: LogoutReceiver;
let flightsRp: RelyingParty;
let brokenRp: RelyingParty;
let editorToken = '';
const CALLBACK = 'https://rp.example.com/cb';
const LOGGED_OUT = 'https://rp.example.com/bye';
const password = 'back-channel password';
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

const api = () => request(app.server);

async function webApp(name: string, receiver: LogoutReceiver): Promise<RelyingParty> {
  const client = await app.context.clients.create({
    name,
    kind: 'web',
    redirectUris: [CALLBACK],
    postLogoutRedirectUris: [LOGGED_OUT],
    firstParty: true,
    backchannelLogoutUri: receiver.url,
    backchannelLogoutSessionRequired: true,
  });
  return discoverRp(app.issuer, { ...client, redirectUri: CALLBACK });
}

beforeAll(async () => {
  delivery = await startDeliveryStandIns();
  app = await startTestApp({
    dbName: uniqueDbName('backchannel'),
    env: delivery.env,
    tweak: (config) => {
      config.backchannelLogout = { attempts: 3, retryDelayMs: 10, maxPending: 100 };
    },
  });
  flights = await startLogoutReceiver(app.issuer, () => flightsRp.clientId);
  broken = await startLogoutReceiver(app.issuer, () => brokenRp.clientId);
  flightsRp = await webApp('Flights', flights);
  brokenRp = await webApp('Broken', broken);
  editorToken = await serviceToken(app, 'editor');
});

afterAll(async () => {
  await app?.context.backchannel.idle();
  await app?.close();
  await Promise.all([delivery?.close(), flights?.close(), broken?.close()]);
});

beforeEach(async () => {
  await app.connection.collection('rate_limits').deleteMany({});
  flights.received.length = 0;
  broken.received.length = 0;
  broken.requests = 0;
});

async function newMember(email: string) {
  const m = await app.context.members.create({
    familyName: '通知',
    givenName: '次郎',
    email,
    countryOfResidence: 'JP',
    password,
    locale: 'en',
  });
  return { id: m._id, number: m.membershipNumber, email, password };
}

/** Signs in to the app in `browser` (a login page, or single sign-on): the ID token's claims. */
async function signInToApp(browser: Browser, rp: RelyingParty, who: { number: string }) {
  const pending = await authorizationUrl(rp, { scope: 'openid' });
  const isCallback = (url: string) => url.startsWith(CALLBACK);
  let page = await browser.go(pending.url, { stopAt: isCallback });
  if (!isCallback(page.url))
    page = await browser.submit(
      page,
      'form[action$="/login"]',
      { membershipNumber: who.number, password },
      {
        stopAt: isCallback,
      },
    );
  const tokens = await exchangeCode(rp, page.url, pending);
  return { tokens, claims: tokens.claims()! };
}

/** The tokens the app's endpoint received once every delivery under way is done. */
async function delivered(receiver: LogoutReceiver) {
  await app.context.backchannel.idle();
  return receiver.received;
}

describe('registration', () => {
  it('is advertised in discovery', async () => {
    const meta = (await (await fetch(`${app.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(meta).toMatchObject({ backchannel_logout_supported: true, backchannel_logout_session_supported: true });
  });

  it('takes the URI and the sid requirement through the admin API, with the redirect URI rules', async () => {
    const created = await api()
      .post('/api/admin/clients')
      .set('Authorization', `Bearer ${editorToken}`)
      .send({
        name: 'Hotels',
        kind: 'web',
        redirect_uris: ['https://hotels.example.jp/cb'],
        backchannel_logout_uri: 'https://hotels.example.jp/oidc/logout',
        backchannel_logout_session_required: true,
      });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      backchannel_logout_uri: 'https://hotels.example.jp/oidc/logout',
      backchannel_logout_session_required: true,
    });
    const id = created.body.client_id as string;
    const refused = await api()
      .patch(`/api/admin/clients/${id}`)
      .set('Authorization', `Bearer ${editorToken}`)
      .send({ backchannel_logout_uri: 'http://hotels.example.jp/oidc/logout' });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      error: 'invalid_client_metadata',
      error_description: 'backchannel_logout_uri: http://hotels.example.jp/oidc/logout must use https',
      field: 'backchannel_logout_uri',
    });
    const removed = await api()
      .patch(`/api/admin/clients/${id}`)
      .set('Authorization', `Bearer ${editorToken}`)
      .send({ backchannel_logout_uri: null });
    expect(removed.body).toMatchObject({ backchannel_logout_uri: null, backchannel_logout_session_required: false });
    const openapi = await api().get('/api/admin/openapi.json');
    expect(Object.keys(openapi.body.components.schemas.ClientInput.properties)).toEqual(
      expect.arrayContaining(['backchannel_logout_uri', 'backchannel_logout_session_required']),
    );
  });

  it('takes them in dynamic registration, with the same rules', async () => {
    const iat = await api()
      .post('/api/admin/initial-access-tokens')
      .set('Authorization', `Bearer ${editorToken}`)
      .send({});
    const register = (metadata: Record<string, unknown>) =>
      fetch(`${app.issuer}/reg`, {
        method: 'POST',
        headers: { authorization: `Bearer ${iat.body.initial_access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['https://dev.example.com/cb'], ...metadata }),
      });
    const refused = await register({ backchannel_logout_uri: 'https://169.254.169.254/latest' });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({
      error: 'invalid_client_metadata',
      error_description: 'backchannel_logout_uri must not point at a loopback, private or link-local address',
    });
    const registered = await register({
      backchannel_logout_uri: 'https://dev.example.com/logout',
      backchannel_logout_session_required: true,
    });
    expect(registered.status).toBe(201);
    expect(await registered.json()).toMatchObject({
      backchannel_logout_uri: 'https://dev.example.com/logout',
      backchannel_logout_session_required: true,
    });
  });
});

describe('logout tokens', () => {
  /** The checks of §2.6, made by the receiving app; the session it names. */
  function expectValidToken(received: LogoutReceiver['received'][number] | undefined, rp: RelyingParty) {
    expect(received?.problem).toBeUndefined();
    expect(received?.typ).toBe('logout+jwt');
    expect(received?.claims).toMatchObject({ iss: app.issuer, aud: rp.clientId, events: { [EVENT]: {} } });
    expect(received?.claims.nonce).toBeUndefined();
    return received!.claims;
  }

  it('reach the app on RP-initiated logout, naming the session of its ID token', async () => {
    const who = await newMember('rp.logout@example.jp');
    const browser = browserWith(CHROME_ON_WINDOWS);
    const { tokens, claims } = await signInToApp(browser, flightsRp, who);
    expect(claims.sid).toEqual(expect.any(String));
    const confirm = await browser.go(
      oidc.buildEndSessionUrl(flightsRp.config, {
        id_token_hint: tokens.id_token!,
        post_logout_redirect_uri: LOGGED_OUT,
      }).href,
    );
    await browser.submit(
      confirm,
      'form#op\\.logoutForm',
      { logout: 'yes' },
      {
        stopAt: (url) => url.startsWith(LOGGED_OUT),
      },
    );
    const [token, ...more] = await delivered(flights);
    expect(more).toEqual([]);
    expect(expectValidToken(token, flightsRp)).toMatchObject({ sub: who.id, sid: claims.sid });
  });

  it('reach the app when the member signs a browser out in the security centre, and everywhere', async () => {
    const who = await newMember('centre.logout@example.jp');
    const iphone = browserWith(SAFARI_ON_IPHONE);
    const windows = browserWith(CHROME_ON_WINDOWS);
    const onIphone = await signInToApp(iphone, flightsRp, who);
    const onWindows = await signInToApp(windows, flightsRp, who);
    const page = await signInToAccount(app, delivery, who, windows, '/account/security');
    const other = page.html.querySelectorAll('li.session').find((li) => li.getAttribute('data-current') !== 'true')!;
    const confirm = await windows.go(new URL(other.querySelector('a.sign-out')!.getAttribute('href')!, page.url).href);
    await windows.submit(confirm, 'form[action$="/sign-out"]');
    const [one] = await delivered(flights);
    expect(expectValidToken(one, flightsRp)).toMatchObject({ sub: who.id, sid: onIphone.claims.sid });

    flights.received.length = 0;
    const everywhere = await windows.go(`${app.baseUrl}/account/security/sign-out-everywhere`);
    await windows.submit(everywhere, 'form[action="/account/security/sign-out-everywhere"]');
    const tokens = await delivered(flights);
    expect(tokens.map((token) => expectValidToken(token, flightsRp).sid)).toEqual([onWindows.claims.sid]);
  });

  it.each([
    ['ends the member’s sessions', 'sessions/revoke', 'member.sessions_ended'],
    ['locks the member', 'lock', 'member.locked'],
  ])('reach the app when an admin %s', async (_what, action, type) => {
    const who = await newMember(`admin.${action.replace('/', '.')}@example.jp`);
    const { claims } = await signInToApp(browserWith(CHROME_ON_WINDOWS), flightsRp, who);
    const response = await api()
      .post(`/api/admin/members/${who.id}/${action}`)
      .set('Authorization', `Bearer ${editorToken}`);
    expect(response.status).toBe(200);
    const [token] = await delivered(flights);
    expect(expectValidToken(token, flightsRp)).toMatchObject({ sub: who.id, sid: claims.sid });
    expect((await app.context.audit.query({ memberId: who.id, type, limit: 1 })).events).toHaveLength(1);
  });

  it('reach the app after the member resets a forgotten password', async () => {
    const who = await newMember('reset.logout@example.jp');
    const { claims } = await signInToApp(browserWith(SAFARI_ON_IPHONE), flightsRp, who);
    const browser = browserWith(CHROME_ON_WINDOWS);
    const login = await browser.go((await authorizationUrl(flightsRp)).url);
    const link = login.html.querySelector('a[href$="/recovery"]')!.getAttribute('href')!;
    const numberPage = await browser.go(new URL(link, login.url).href);
    const seen = delivery.smtp.inbox.length;
    const codePage = await browser.submit(numberPage, 'form[action$="/recovery"]', { membershipNumber: who.number });
    // The code's mail, not the new-browser notice of the sign-in just before.
    const mail = await eventually(() =>
      delivery.smtp.inbox.slice(seen).find((m) => m.to.includes(who.email) && /\b\d{6}\b/.test(m.text)),
    );
    const passwordPage = await browser.submit(codePage, 'form[action$="/recovery/code"]', { code: codeIn(mail.text) });
    const fresh = 'a fresh passphrase for the test';
    await browser.submit(passwordPage, 'form[action$="/recovery/password"]', { password: fresh, confirm: fresh });
    const [token] = await delivered(flights);
    expect(expectValidToken(token, flightsRp)).toMatchObject({ sub: who.id, sid: claims.sid });
  });

  it('are retried when the app fails, the failure audited, and the member’s page does not wait', async () => {
    const who = await newMember('broken.app@example.jp');
    const browser = browserWith(CHROME_ON_WINDOWS);
    await signInToApp(browser, brokenRp, who);
    await signInToAccount(app, delivery, who, browser, '/account/security');
    broken.status = 503;
    broken.hold();
    const confirm = await browser.go(`${app.baseUrl}/account/security/sign-out-everywhere`);
    const done = await browser.submit(confirm, 'form[action="/account/security/sign-out-everywhere"]');
    // The member is signed out while the app has not answered yet.
    expect(new URL(done.url).pathname).toBe('/account/signed-out');
    expect(textOf(done, 'h1')).toBe('You have logged out');
    expect(broken.answered).toBe(0);
    broken.release();
    await app.context.backchannel.idle();
    expect(broken.requests).toBe(3);
    expect(broken.received.every((token) => token.problem === undefined)).toBe(true);
    const audit = await app.context.audit.query({ memberId: who.id, type: 'logout.backchannel_failed', limit: 5 });
    expect(audit.events).toHaveLength(1);
    expect(audit.events[0]).toMatchObject({
      outcome: 'failure',
      clientId: brokenRp.clientId,
      actor: 'system',
      detail: { attempts: 3, reason: expect.stringContaining('503') },
    });
    broken.status = 200;
  });
});

describe('the demo relying app', () => {
  it('ends its own session when the provider sends it a logout token', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const { clientSecret } = await seedDemoData(app.context, `http://localhost:${port}`);
    const demo = await startDemoApp({
      issuer: app.issuer,
      port,
      clientId: DEMO_CLIENT_ID,
      clientSecret: clientSecret!,
    });
    try {
      const browser = browserWith(CHROME_ON_WINDOWS);
      const login = await browser.go(`${demo.url}/login`);
      const consent = await browser.submit(login, 'form[action$="/login"]', {
        membershipNumber: DEMO_MEMBER.membershipNumber,
        password: DEMO_MEMBER.password,
      });
      const home = await browser.submit(consent, 'form[action$="/confirm"]');
      expect(textOf(home, 'h1')).toBe('Signed in / ログイン済み');
      const member = await app.context.members.findByMembershipNumber(DEMO_MEMBER.membershipNumber);
      await app.context.providerRecords.endAccount(member!._id);
      await app.context.backchannel.idle();
      expect(textOf(await browser.go(`${demo.url}/`), 'h1')).toBe('Demo relying app / デモアプリ');
    } finally {
      await new Promise<void>((resolve) => demo.server.close(() => resolve()));
    }
  });
});
