import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ACR } from '../../src/assurance/acr.js';
import { ManualClock } from '../../src/clock.js';
import { startMetricsServer } from '../../src/http/metrics.js';
import { startTestApp, type TestApp, uniqueDbName } from '../support/app.js';
import { Browser, type Page, postJson } from '../support/browser.js';
import { type DeliveryStandIns, startDeliveryStandIns } from '../support/delivery.js';
import { authorizationUrl, exchangeCode, firstPartyWebRp, passwordLogin, type RelyingParty } from '../support/rp.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { codeIn } from '../support/vonage.js';

/**
 * What Prometheus scrapes, over real HTTP: counters that move when members sign in (password,
 * passkey), receive codes and get locked out; route patterns instead of paths; labels without
 * anybody's data; and the scrape only for whoever holds METRICS_TOKEN on the public port.
 */
let app: TestApp;
let delivery: DeliveryStandIns;
let rp: RelyingParty;
const clock = new ManualClock({ running: true });
const TOKEN = 'metrics-token-for-the-tests-0123456789';
const REDIRECT = 'https://rp.example.com/cb';
const password = 'metrics member password';
const aiko = { number: '', id: '', email: 'aiko.metrics@example.jp', phone: '+819055557001' };
const taro = { number: '', id: '', email: 'taro.metrics@example.jp' };

beforeAll(async () => {
  delivery = await startDeliveryStandIns();
  app = await startTestApp({
    dbName: uniqueDbName('metrics'),
    clock,
    env: { ...delivery.env, METRICS_TOKEN: TOKEN },
  });
  for (const person of [aiko, taro]) {
    const member = await app.context.members.create({
      familyName: 'Metrics',
      givenName: 'Member',
      countryOfResidence: 'JP',
      password,
      locale: 'en',
      email: person.email,
      phone: (person as { phone?: string }).phone,
    });
    Object.assign(person, { number: member.membershipNumber, id: member._id });
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

async function scrape(): Promise<string> {
  const response = await fetch(`${app.baseUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(response.status).toBe(200);
  return response.text();
}

/** The value of one series (the sum over the series that have all of `labels`). */
function value(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([key, v]) => `${key}="${v}"`);
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => wanted.every((pair) => line.includes(pair)))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** How much each series moved while `action` ran. */
async function change(action: () => Promise<void>, series: Array<[string, Record<string, string>?]>) {
  const before = await scrape();
  await action();
  const after = await scrape();
  return series.map(([name, labels]) => value(after, name, labels) - value(before, name, labels));
}

const signIns = 'jmb_sign_ins_total';
const requests = 'jmb_http_request_duration_seconds_count';

describe('GET /metrics', () => {
  it('is served on the public port only with the bearer token', async () => {
    expect((await fetch(`${app.baseUrl}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${app.baseUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const right = await fetch(`${app.baseUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(right.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await right.text();
    expect(text).toContain('# TYPE jmb_sign_ins_total counter');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('is not on the public port at all without METRICS_TOKEN, but on a port of its own', async () => {
    const plain = await startTestApp({ dbName: uniqueDbName('metrics-plain') });
    const own = await startMetricsServer(plain.context.metrics, { port: 0, host: '127.0.0.1' });
    try {
      expect((await fetch(`${plain.baseUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(
        404,
      );
      const scraped = await fetch(`http://127.0.0.1:${own.port}/metrics`);
      expect(scraped.status).toBe(200);
      // Its own registry: the other app's requests are not in it.
      expect(value(await scraped.text(), requests, { route: '/metrics' })).toBe(0);
      expect((await fetch(`http://127.0.0.1:${own.port}/`)).status).toBe(404);
    } finally {
      await own.close();
      await plain.close();
    }
  });
});

describe('the counters', () => {
  it('count a password sign-in with its acr, the routes by pattern and the tokens issued', async () => {
    const [success, login, authorization, token, grants, issued, finds, updates, inserts] = await change(async () => {
      const pending = await authorizationUrl(rp);
      const { callback } = await passwordLogin(new Browser(), rp, { membershipNumber: taro.number, password }, pending);
      await exchangeCode(rp, callback, pending);
    }, [
      [signIns, { method: 'password', outcome: 'success', acr: ACR.password }],
      [requests, { method: 'POST', route: '/interaction/:uid/login', status: '303' }],
      [requests, { method: 'GET', route: 'authorization' }],
      [requests, { method: 'POST', route: 'token', status: '200' }],
      ['jmb_oidc_grants_total', { grant_type: 'authorization_code', outcome: 'success' }],
      ['jmb_oidc_tokens_issued_total', { kind: 'access_token', grant_type: 'authorization_code' }],
      ['jmb_mongodb_command_duration_seconds_count', { command: 'find', outcome: 'success' }],
      ['jmb_mongodb_command_duration_seconds_count', { command: 'update', outcome: 'success' }],
      ['jmb_mongodb_command_duration_seconds_count', { command: 'insert', outcome: 'success' }],
    ]);
    expect([success, login, authorization, token, grants, issued]).toEqual([1, 1, 1, 1, 1, 1]);
    // The sign-in's reads, its interaction and token writes, and its audit event.
    expect(finds).toBeGreaterThan(0);
    expect(updates).toBeGreaterThan(0);
    expect(inserts).toBeGreaterThan(0);
  });

  it('count the lockout of a membership number and the failures before it', async () => {
    const [failures, lockouts] = await change(async () => {
      const browser = new Browser();
      let page = await browser.go((await authorizationUrl(rp)).url);
      for (let attempt = 1; attempt <= 6; attempt += 1)
        page = await browser.submit(page, 'form[action$="/login"]', { membershipNumber: taro.number, password: 'no' });
      expect(page.status).toBe(429);
    }, [
      [signIns, { method: 'password', outcome: 'failure', acr: 'none' }],
      ['jmb_refusals_total', { budget: 'login_number_lockout' }],
    ]);
    expect(failures).toBe(6);
    expect(lockouts).toBe(2);
    await app.connection.collection('rate_limits').deleteMany({});
  });

  it('count codes sent, delivered, failed and verified by channel and calling code, then a passkey', async () => {
    const browser = new Browser();
    browser.headers['accept-language'] = 'en';
    const moved = await change(async () => {
      // My account's step-up by e-mail, then the SMS code the seed asks for before a passkey.
      const login = await browser.go(`${app.baseUrl}/account/passkeys`);
      const email = await browser.submit(login, 'form[action$="/login"]', { membershipNumber: aiko.number, password });
      const sent = await browser.submit(email, 'form[action^="/account/verify/send"]');
      const code = codeIn(delivery.smtp.lastTo(aiko.email)?.text);
      await browser.submit(sent, 'form[action^="/account/verify/check"]', { code });
      const sms = await browser.go(`${app.baseUrl}/account/passkeys/new`);
      delivery.vonage.failNext();
      const failed = await browser.submit(sms, 'form[action^="/account/passkeys/sms/send"]');
      const entry = await browser.submit(failed, 'form[action^="/account/passkeys/sms/send"]');
      const smsCode = codeIn(delivery.vonage.lastTo(aiko.phone)?.text);
      await registerPasskey(browser, await browser.submit(entry, 'form[action*="/sms/check"]', { code: smsCode }));
    }, [
      ['jmb_otp_sent_total', { channel: 'email', calling_code: 'email' }],
      ['jmb_otp_verified_total', { channel: 'email', calling_code: 'email' }],
      ['jmb_otp_sent_total', { channel: 'sms', calling_code: '81' }],
      ['jmb_otp_failed_total', { channel: 'sms', calling_code: '81' }],
      ['jmb_otp_delivered_total', { channel: 'sms', calling_code: '81' }],
      ['jmb_otp_verified_total', { channel: 'sms', calling_code: '81' }],
      ['jmb_passkey_registrations_total', { realm: 'member' }],
    ]);
    expect(moved).toEqual([1, 1, 2, 1, 1, 1, 1]);
    // The gauge is counted at most once a minute.
    clock.advanceSeconds(61);
    expect(value(await scrape(), 'jmb_members_with_passkey')).toBe(1);
  });

  it('count a passkey sign-in', async () => {
    const [passkey, acr] = await change(async () => {
      const browser = new Browser();
      const pending = await authorizationUrl(rp);
      const page = await browser.go(pending.url);
      const uid = new URL(page.url).pathname.split('/')[2]!;
      const csrf = page.html.querySelector('input[name=_csrf]')!.getAttribute('value')!;
      const base = `${app.baseUrl}/interaction/${uid}/passkey`;
      const options = await postJson(
        browser,
        `${base}/options`,
        { mode: 'number', membershipNumber: aiko.number },
        csrf,
      );
      const response = aikoKey.authenticate(options.data as never);
      expect((await postJson(browser, `${base}/verify`, { response }, csrf)).status).toBe(200);
    }, [
      [signIns, { method: 'passkey', outcome: 'success' }],
      [signIns, { acr: ACR.passkey }],
    ]);
    expect([passkey, acr]).toEqual([1, 1]);
  });

  it('never carry a member’s data or a raw path in a label', async () => {
    await fetch(`${app.baseUrl}/no/such/page/${aiko.number}`);
    await fetch(`${app.baseUrl}/interaction/${aiko.id}`);
    const text = await scrape();
    expect(value(text, requests, { route: 'other', status: '404' })).toBeGreaterThan(0);
    expect(value(text, requests, { route: '/interaction/:uid' })).toBeGreaterThan(0);
    for (const personal of [aiko.number, taro.number, aiko.id, aiko.email, taro.email, '9055557001', '127.0.0.1'])
      expect(text).not.toContain(personal);
  });
});

let aikoKey: SoftAuthenticator;
async function registerPasskey(browser: Browser, page: Page): Promise<void> {
  const csrf = page.html.querySelector('[data-passkey-register]')!.getAttribute('data-csrf')!;
  const options = await postJson(browser, `${app.baseUrl}/account/passkeys/register/options`, {}, csrf);
  aikoKey = new SoftAuthenticator(app.baseUrl, ['internal']);
  const response = aikoKey.register(options.data as never);
  expect((await postJson(browser, `${app.baseUrl}/account/passkeys/register/verify`, { response }, csrf)).status).toBe(
    200,
  );
}
