import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type JavaMongo, startJavaMongo } from '../../src/dev/java-mongo.js';
import { startTestApp, type TestApp, uniqueDbName } from '../support/app.js';
import { Browser, findForm, type Page, textOf } from '../support/browser.js';
import { authorizationUrl, discoverRp, exchangeCode, passwordLogin, type RelyingParty } from '../support/rp.js';

/**
 * The database stops, stalls (SIGSTOP) and comes back under a running app. Members and apps get
 * a clear 503 within seconds instead of a 500, a hang or a page that blames the app, and the app
 * recovers by itself. This file runs its own database server: it is the one that is stopped.
 */
let mongo: JavaMongo;
let running = false;
let port: number;
let app: TestApp;
const REDIRECT = 'https://app.example.com/cb';
const password = 'a password that survives outages';

/** Far beyond what any answer may take here: a hang fails the test instead of stalling it. */
const GIVE_UP_MS = 20_000;
/** "Within a few seconds": stopped database (server selection) and stalled one (socket timeout). */
const PAGE_BOUND_MS = 6_500;
const PROBE_BOUND_MS = 1_500;

async function seed(): Promise<{ membershipNumber: string; rp: RelyingParty; clientSecret: string }> {
  const member = await app.context.members.create({
    familyName: 'Abe',
    givenName: 'Rin',
    email: 'rin@example.com',
    countryOfResidence: 'JP',
    password,
    locale: 'en',
  });
  const client = await app.context.clients.create({
    name: 'JAL Web',
    kind: 'web',
    redirectUris: [REDIRECT],
    firstParty: true,
  });
  const rp = await discoverRp(app.issuer, { ...client, redirectUri: REDIRECT });
  return { membershipNumber: member.membershipNumber, rp, clientSecret: client.clientSecret! };
}

async function timed<T>(work: Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await work;
  return { result, ms: Date.now() - started };
}

async function get(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${app.baseUrl}${path}`, {
    headers,
    redirect: 'manual',
    signal: AbortSignal.timeout(GIVE_UP_MS),
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

async function readyWithin(ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if ((await get('/readyz')).status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`/readyz did not recover within ${ms} ms`);
}

async function openLogin(rp: RelyingParty, browser: Browser): Promise<Page> {
  const pending = await authorizationUrl(rp);
  const page = await browser.go(pending.url);
  findForm(page, 'form[action$="/login"]');
  return page;
}

function submitLogin(browser: Browser, page: Page, membershipNumber: string): Promise<Page> {
  const form = findForm(page, 'form[action$="/login"]');
  return browser.request(new URL(form.action, page.url).href, {
    form: { ...form.fields, membershipNumber, password },
    signal: AbortSignal.timeout(GIVE_UP_MS),
  });
}

/** What a member must see: our page, in their language, asking them to try again; never a 500. */
function expectUnavailablePage(page: { status: number; headers: Headers; body: string }, language: 'en' | 'ja') {
  expect(page.status).toBe(503);
  expect(Number(page.headers.get('retry-after'))).toBeGreaterThan(0);
  const text = page.body.replace(/\s+/g, ' ');
  if (language === 'en') {
    expect(text).toContain('The service is temporarily unavailable. Please wait a moment and try again.');
  } else {
    expect(text).toContain('ただいまサービスを一時的にご利用いただけません。しばらくしてから再度お試しください。');
  }
  expect(text).not.toMatch(/invalid sign-in request|無効なログイン要求/);
}

async function expectUnavailableJson(response: Response) {
  expect(response.status).toBe(503);
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(await response.json()).toMatchObject({ error: 'temporarily_unavailable' });
}

/** A server on the same address as the first (a new process: its memory starts empty). */
async function startServer(): Promise<void> {
  mongo = await startJavaMongo({ port });
  running = true;
}

beforeAll(async () => {
  mongo = await startJavaMongo();
  running = true;
  port = Number(new URL(mongo.uri).port);
  app = await startTestApp({ dbName: uniqueDbName('faults'), mongodbUri: mongo.uri });
});

afterAll(async () => {
  if (running && mongo.pid) process.kill(mongo.pid, 'SIGCONT');
  await app?.close();
  await mongo?.stop();
});

describe('when the database server stops', () => {
  it('answers 503 within seconds everywhere, and recovers when a new server starts, without a restart', async () => {
    const { membershipNumber, rp, clientSecret } = await seed();
    const member = new Browser();
    member.headers['accept-language'] = 'en';
    const loginPage = await openLogin(rp, member);

    await mongo.stop();
    running = false;

    const probe = await timed(get('/readyz'));
    expect(probe.result.status).toBe(503);
    expect(probe.ms).toBeLessThan(PROBE_BOUND_MS);

    // A sign-in that was under way: the member presses "Log in".
    const login = await timed(submitLogin(member, loginPage, membershipNumber));
    expectUnavailablePage(login.result, 'en');
    expect(login.ms).toBeLessThan(PAGE_BOUND_MS);

    // A relying app sends a member to sign in: our page, not "the application sent an invalid request".
    const pending = await authorizationUrl(rp);
    const authorize = await timed(get(new URL(pending.url).pathname + new URL(pending.url).search));
    expectUnavailablePage(authorize.result, 'ja');
    expect(authorize.ms).toBeLessThan(PAGE_BOUND_MS);
    // ui_locales is honoured even though the request failed before the provider read it.
    const english = await new Browser().request(`${pending.url}&ui_locales=en`, {
      signal: AbortSignal.timeout(GIVE_UP_MS),
    });
    expectUnavailablePage(english, 'en');
    expect(textOf(english, 'h1')).toBe('Temporarily unavailable');

    // The protocol's and the admin API's JSON endpoints.
    const basic = `Basic ${Buffer.from(`${rp.clientId}:${clientSecret}`).toString('base64')}`;
    const token = await timed(
      fetch(`${app.baseUrl}/token`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: 'whatever', redirect_uri: REDIRECT }),
        signal: AbortSignal.timeout(GIVE_UP_MS),
      }),
    );
    await expectUnavailableJson(token.result);
    expect(token.ms).toBeLessThan(PAGE_BOUND_MS);
    await expectUnavailableJson(
      await fetch(`${app.baseUrl}/me`, {
        headers: { authorization: 'Bearer some-access-token' },
        signal: AbortSignal.timeout(GIVE_UP_MS),
      }),
    );
    await expectUnavailableJson(
      await fetch(`${app.baseUrl}/api/admin/clients`, {
        headers: { authorization: 'Bearer some-admin-token' },
        signal: AbortSignal.timeout(GIVE_UP_MS),
      }),
    );

    // The same address, a new (empty) server: the app finds it by itself.
    await startServer();
    await readyWithin(15_000);
    const again = await seed();
    const browser = new Browser();
    const started = await authorizationUrl(again.rp);
    const { callback } = await passwordLogin(
      browser,
      again.rp,
      { membershipNumber: again.membershipNumber, password },
      started,
    );
    const tokens = await exchangeCode(again.rp, callback, started);
    expect(tokens.access_token).toBeTruthy();
  });
});

describe('when the database server stalls', () => {
  it('answers 503 within seconds instead of hanging, and the sign-in goes through once it resumes', async () => {
    if (!running) await startServer();
    await readyWithin(15_000);
    const { membershipNumber, rp } = await seed();
    const member = new Browser();
    const loginPage = await openLogin(rp, member);

    process.kill(mongo.pid!, 'SIGSTOP');
    try {
      // The signal stops every thread of the JVM within a moment, not at the instant kill returns
      // (one CI run saw a ping answered in between).
      await new Promise((resolve) => setTimeout(resolve, 200));
      const probe = await timed(get('/readyz'));
      expect(probe.result.status).toBe(503);
      expect(probe.ms).toBeLessThan(PROBE_BOUND_MS);

      const [login, authorize] = await Promise.all([
        timed(submitLogin(member, loginPage, membershipNumber)),
        timed(authorizationUrl(rp).then((pending) => get(new URL(pending.url).pathname + new URL(pending.url).search))),
      ]);
      expectUnavailablePage(login.result, 'ja');
      expect(login.ms).toBeLessThan(PAGE_BOUND_MS);
      expectUnavailablePage(authorize.result, 'ja');
      expect(authorize.ms).toBeLessThan(PAGE_BOUND_MS);

      const again = await timed(get('/readyz'));
      expect(again.result.status).toBe(503);
      expect(again.ms).toBeLessThan(PROBE_BOUND_MS);
    } finally {
      process.kill(mongo.pid!, 'SIGCONT');
    }

    await readyWithin(15_000);
    // Nothing was lost: the member's sign-in, started before the stall, completes.
    const after = await submitLogin(member, loginPage, membershipNumber);
    expect(after.status).toBe(303);
  });
});
