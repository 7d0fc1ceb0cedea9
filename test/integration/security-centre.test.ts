import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ManualClock } from '../../src/clock.js';
import { browserWith, CHROME_ON_WINDOWS, SAFARI_ON_IPHONE, signInToAccount, silentSignIn } from '../support/account.js';
import { startTestApp, type TestApp, uniqueDbName } from '../support/app.js';
import { type Browser, findForm, textOf } from '../support/browser.js';
import { type DeliveryStandIns, startDeliveryStandIns } from '../support/delivery.js';
import { eventually } from '../support/eventually.js';
import { authorizationUrl, discoverRp, exchangeCode, oidc, type RelyingParty } from '../support/rp.js';

/**
 * My account → Security over HTTP: the signed-in browsers (this one marked) with sign-out per
 * browser and everywhere, the connected apps with "remove access", the member's own security
 * activity in their language and Japan time, and the e-mail about a browser not seen before.
 */
let app: TestApp;
let delivery: DeliveryStandIns;
// 00:30 UTC is 09:30 in Japan: pages must show Japan time (the tests move the clock by some minutes).
const clock = new ManualClock({ start: new Date('2026-03-01T00:30:00Z'), running: true });
const password = 'security centre password';
const CALLBACK = 'https://rp.example.com/cb';
let web: RelyingParty;
let card: RelyingParty;

interface Who {
  id: string;
  number: string;
  email: string;
  password: string;
}

async function newMember(email: string, locale: 'ja' | 'en' = 'en'): Promise<Who> {
  const m = await app.context.members.create({
    familyName: '安全',
    givenName: '花子',
    email,
    countryOfResidence: 'JP',
    password,
    locale,
  });
  return { id: m._id, number: m.membershipNumber, email, password };
}

beforeAll(async () => {
  delivery = await startDeliveryStandIns();
  app = await startTestApp({ dbName: uniqueDbName('security-centre'), clock, env: delivery.env });
  const rp = async (name: string) => {
    const client = await app.context.clients.create({ name, kind: 'web', redirectUris: [CALLBACK], firstParty: true });
    return discoverRp(app.issuer, { ...client, redirectUri: CALLBACK });
  };
  web = await rp('JAL Web');
  card = await rp('JAL Card');
});

afterAll(async () => {
  await app?.close();
  await delivery?.close();
});

beforeEach(async () => {
  await app.connection.collection('rate_limits').deleteMany({});
});

const security = (browser: Browser) => browser.go(`${app.baseUrl}/account/security`);
const sessionItems = (page: Awaited<ReturnType<typeof security>>) =>
  page.html.querySelectorAll('li.session').map((li) => ({
    browser: li.querySelector('.browser')?.text,
    current: li.getAttribute('data-current') === 'true',
    text: li.text.replace(/\s+/g, ' '),
  }));

/** Signs in to an app in this browser (single sign-on from My account): its tokens. */
async function appTokens(browser: Browser, rp: RelyingParty) {
  const pending = await authorizationUrl(rp, { scope: 'openid profile' });
  const page = await browser.go(pending.url, { stopAt: (url) => url.startsWith(CALLBACK) });
  return exchangeCode(rp, page.url, pending);
}

describe('signed-in browsers and devices', () => {
  let who: Who;
  let windows: Browser;
  let iphone: Browser;

  beforeEach(async () => {
    who = await newMember(`sessions.${Date.now()}@example.jp`);
    windows = browserWith(CHROME_ON_WINDOWS);
    iphone = browserWith(SAFARI_ON_IPHONE);
    await signInToAccount(app, delivery, who, windows);
    clock.advanceSeconds(61); // the one-time password's resend cooldown
    await signInToAccount(app, delivery, who, iphone);
  });

  it('lists both browsers, this one marked, with sign-in time, last use and IP address', async () => {
    const page = await security(windows);
    expect(textOf(page, 'h1')).toBe('Security');
    const items = sessionItems(page);
    expect(items.map((item) => [item.browser, item.current])).toEqual(
      expect.arrayContaining([
        ['Chrome on Windows', true],
        ['Safari on iPhone', false],
      ]),
    );
    expect(items).toHaveLength(2);
    expect(items[0]!.text).toMatch(/Signed in 1 Mar 2026, (?:09:[3-5]\d|10:[0-5]\d) JST with password/);
    expect(items[0]!.text).toMatch(/IP address 127\.0\.0\.1/);
    expect(textOf(page, '#sessions')).toContain('does not look up where an address is');
    // The account navigation links here.
    expect(
      (await windows.go(`${app.baseUrl}/account`)).html.querySelector('nav a[href="/account/security"]'),
    ).not.toBeNull();
  });

  it('records when each browser was last used, with the write that saves its session', async () => {
    const records = app.connection.collection('oidc_session');
    const lastSeen = async () =>
      (await records.find({ 'payload.accountId': who.id }).toArray())
        .map((r) => (r.signIn.lastSeenAt as Date).getTime())
        .sort();
    const before = await lastSeen();
    clock.advanceSeconds(4 * 60);
    await silentSignIn(iphone, web);
    const after = await lastSeen();
    expect(after[0]).toBe(before[0]); // Windows was not used
    expect(after[1]! - before[1]!).toBeGreaterThanOrEqual(4 * 60_000);
  });

  it('signs one browser out and leaves the other signed in', async () => {
    await appTokens(iphone, web);
    const page = await security(windows);
    const other = page.html.querySelectorAll('li.session').find((li) => li.getAttribute('data-current') !== 'true')!;
    const confirm = await windows.go(new URL(other.querySelector('a.sign-out')!.getAttribute('href')!, page.url).href);
    expect(textOf(confirm, 'h1')).toBe('Sign out this browser?');
    expect(textOf(confirm, '.card')).toContain('Safari on iPhone, signed in');
    const done = await windows.submit(confirm, 'form[action$="/sign-out"]');
    expect(textOf(done, '[role=status]')).toBe('The browser was signed out.');
    expect(sessionItems(done).map((item) => item.browser)).toEqual(['Chrome on Windows']);

    // The iPhone is signed out of the provider and of My account; Windows is not.
    expect((await silentSignIn(iphone, web)).searchParams.get('error')).toBe('login_required');
    expect((await iphone.go(`${app.baseUrl}/account`)).html.querySelector('form[action$="/login"]')).not.toBeNull();
    expect((await silentSignIn(windows, web)).searchParams.get('code')).toEqual(expect.any(String));
    expect(textOf(await windows.go(`${app.baseUrl}/account`), 'h1')).toBe('Membership information');

    const audit = await app.context.audit.query({ memberId: who.id, type: 'account.session_ended', limit: 1 });
    expect(audit.events[0]?.detail).toEqual({ browser: 'Safari on iPhone', current: false });
  });

  it('signs this browser out of My account too when it signs out its own session', async () => {
    const page = await security(windows);
    const mine = page.html.querySelector('li.session[data-current="true"] a.sign-out')!;
    const confirm = await windows.go(new URL(mine.getAttribute('href')!, page.url).href);
    expect(textOf(confirm, '.card')).toContain('This is the browser you are using now');
    const done = await windows.submit(confirm, 'form[action$="/sign-out"]');
    expect(new URL(done.url).pathname).toBe('/account/signed-out');
    expect((await silentSignIn(windows, web)).searchParams.get('error')).toBe('login_required');
    expect(textOf(await iphone.go(`${app.baseUrl}/account`), 'h1')).toBe('Membership information');
  });

  it('signs out everywhere: both browsers, My account, and the apps’ refresh tokens', async () => {
    const tokens = await appTokens(iphone, web);
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const confirm = await windows.go(`${app.baseUrl}/account/security/sign-out-everywhere`);
    expect(textOf(confirm, 'h1')).toBe('Sign out everywhere?');
    const done = await windows.submit(confirm, 'form[action="/account/security/sign-out-everywhere"]');
    expect(new URL(done.url).pathname).toBe('/account/signed-out');
    for (const browser of [windows, iphone]) {
      expect((await silentSignIn(browser, web)).searchParams.get('error')).toBe('login_required');
      expect((await browser.go(`${app.baseUrl}/account`)).html.querySelector('form[action$="/login"]')).not.toBeNull();
    }
    await expect(oidc.refreshTokenGrant(web.config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const audit = await app.context.audit.query({ memberId: who.id, type: 'account.sessions_ended', limit: 1 });
    expect(audit.events[0]?.detail).toEqual({ sessions: 2 });
  });

  it('refuses a sign-out without the CSRF token, or of a session that is not the member’s', async () => {
    const page = await security(windows);
    const href = page.html.querySelector('a.sign-out')!.getAttribute('href')!;
    const forged = await windows.go(new URL(href, page.url).href, { form: {} });
    expect(forged.status).toBe(403);
    const csrf = findForm(page, 'form[action="/account/logout"]').fields._csrf!;
    const unknown = await windows.go(`${app.baseUrl}/account/security/sessions/AAAAAAAAAAAAAAAAAAAAAA/sign-out`, {
      form: { _csrf: csrf },
    });
    expect(unknown.status).toBe(404);
    expect(textOf(unknown, '[role=alert]')).toBe('That browser is no longer signed in.');
    expect(sessionItems(await security(windows))).toHaveLength(2);
  });
});

describe('connected apps', () => {
  it('removes one app’s access: its refresh token fails, the other app’s still works', async () => {
    const who = await newMember('apps@example.jp');
    const browser = browserWith(CHROME_ON_WINDOWS);
    await signInToAccount(app, delivery, who, browser);
    const webTokens = await appTokens(browser, web);
    const cardTokens = await appTokens(browser, card);

    const page = await security(browser);
    const names = page.html.querySelectorAll('li.app strong').map((strong) => strong.text);
    expect(names).toEqual(['JAL Card', 'JAL Web']); // not My account itself
    expect(textOf(page, `li.app[data-client-id="${card.clientId}"]`)).toContain('Your name and preferred language');
    const confirm = await browser.go(`${app.baseUrl}/account/security/apps/${card.clientId}/remove`);
    expect(textOf(confirm, 'h1')).toBe('Remove the access of JAL Card?');
    const done = await browser.submit(confirm, 'form[action$="/remove"]');
    expect(textOf(done, '[role=status]')).toBe('The app’s access was removed.');
    expect(done.html.querySelectorAll('li.app strong').map((strong) => strong.text)).toEqual(['JAL Web']);

    await expect(oidc.refreshTokenGrant(card.config, cardTokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const refreshed = await oidc.refreshTokenGrant(web.config, webTokens.refresh_token!);
    expect(refreshed.access_token).toEqual(expect.any(String));
    const audit = await app.context.audit.query({ memberId: who.id, type: 'account.app_removed', limit: 1 });
    expect(audit.events[0]).toMatchObject({ clientId: card.clientId, detail: { app: 'JAL Card' } });
  });
});

describe('security activity', () => {
  it('lists the member’s own events of the last 90 days in English and Japanese, in Japan time', async () => {
    const who = await newMember('activity@example.jp', 'ja');
    const browser = browserWith(CHROME_ON_WINDOWS);
    const page = await signInToAccount(app, delivery, who, browser, '/account/security');
    const rows = (p: typeof page) =>
      p.html.querySelectorAll('#activity tbody tr').map((tr) => tr.querySelectorAll('td').map((td) => td.text.trim()));

    const english = rows(page);
    expect(english.map((row) => row[1])).toEqual([
      'One-time password entered',
      'One-time password sent',
      'Signed in with membership number and password',
      'Signed in from a browser not used before',
    ]);
    for (const row of english) expect(row[0]).toMatch(/^1 Mar 2026, (?:09:[3-5]\d|10:[0-5]\d)$/);
    expect(english[1]![2]).toContain('a***@example.jp');
    expect(english[2]![2]).toMatch(/Chrome on Windows · IP address/);

    browser.headers['accept-language'] = 'ja';
    const japanese = rows(await security(browser));
    expect(japanese.map((row) => row[1])).toEqual([
      'ワンタイムパスワードを入力',
      'ワンタイムパスワードを送信',
      '会員番号とパスワードでログイン',
      'これまで使われていないブラウザでログイン',
    ]);
    for (const row of japanese) expect(row[0]).toMatch(/^2026\/03\/01 (?:9:[3-5]\d|10:[0-5]\d)$/);
    expect(textOf(await security(browser), '#activity h2')).toBe('最近のセキュリティに関する操作（過去90日間）');
  });

  it('pages a long history and leaves out what is older than 90 days and what is not the member’s', async () => {
    const who = await newMember('history@example.jp');
    const other = await newMember('other.history@example.jp');
    const events = app.connection.collection('audit_events');
    const now = clock.now().getTime();
    const row = (memberId: string, daysAgo: number, minute: number) => ({
      _id: `${memberId}-${daysAgo}-${minute}` as never,
      at: new Date(now - daysAgo * 86_400_000 - minute * 60_000),
      type: 'passkey.renamed',
      outcome: 'success',
      memberId,
      detail: { name: `Key ${daysAgo}-${minute}` },
      expiresAt: new Date(now + 86_400_000),
    });
    await events.insertMany([
      ...Array.from({ length: 25 }, (_, i) => row(who.id, 1, i)),
      row(who.id, 91, 0),
      row(other.id, 1, 0),
    ]);
    const browser = browserWith(CHROME_ON_WINDOWS);
    const first = await signInToAccount(app, delivery, who, browser, '/account/security');
    const names = (p: typeof first) =>
      p.html.querySelectorAll('#activity tbody tr').map((tr) => tr.querySelectorAll('td')[2]!.text.trim());
    expect(names(first)).toHaveLength(20);
    const older = await browser.go(new URL(first.html.querySelector('a#older')!.getAttribute('href')!, first.url).href);
    const all = [...names(first), ...names(older)];
    expect(all.filter((name) => name.startsWith('Key 1-'))).toHaveLength(25);
    expect(all.join()).not.toContain('Key 91-');
    expect(older.html.querySelector('a#older')).toBeNull();
    expect(all.join()).not.toContain(other.id);
  });

  it('shows what staff did and a failed attempt without where they came from', async () => {
    const who = await newMember('strangers@example.jp');
    const at = new Date(clock.now().getTime() - 3_600_000);
    const expiresAt = new Date(clock.now().getTime() + 86_400_000);
    await app.connection.collection('audit_events').insertMany([
      {
        _id: 'staff' as never,
        at,
        type: 'password.reset',
        outcome: 'success',
        memberId: who.id,
        actor: 'admin:1',
        ip: '198.51.100.7',
        expiresAt,
      },
      {
        _id: 'stranger' as never,
        at: new Date(at.getTime() - 60_000),
        type: 'login.password',
        outcome: 'failure',
        memberId: who.id,
        ip: '203.0.113.9',
        userAgent: SAFARI_ON_IPHONE,
        expiresAt,
      },
    ]);
    const page = await signInToAccount(app, delivery, who, browserWith(CHROME_ON_WINDOWS), '/account/security');
    const rows = page.html
      .querySelectorAll('#activity tbody tr')
      .map((tr) => tr.querySelectorAll('td').map((td) => td.text.trim()));
    expect(rows.slice(-2).map((row) => row.slice(1))).toEqual([
      ['Password reset', 'by the JAL Mileage Bank Center'],
      ['Unsuccessful sign-in with a password', ''],
    ]);
    expect(page.body).not.toMatch(/198\.51\.100\.7|203\.0\.113\.9/);
  });
});

describe('sign-in notices', () => {
  const notices = (to: string) =>
    delivery.smtp.inbox.filter((mail) => mail.to.includes(to) && mail.subject.startsWith('New sign-in'));

  /** A password sign-in to the web app in `browser`. */
  async function signInToApp(who: Who, browser: Browser, params: Record<string, string> = {}) {
    const pending = await authorizationUrl(web, params);
    const login = await browser.go(pending.url);
    await browser.submit(
      login,
      'form[action$="/login"]',
      { membershipNumber: who.number, password },
      {
        stopAt: (url) => url.startsWith(CALLBACK),
      },
    );
  }

  it('e-mails once for a browser not seen before, and not once turned off', async () => {
    const who = await newMember('notices@example.jp');
    const windows = browserWith(CHROME_ON_WINDOWS);
    await signInToApp(who, windows);
    const notice = await eventually(() => notices(who.email)[0]);
    expect(notice.subject).toBe('New sign-in to your JMB membership');
    expect(notice.text).toContain('Browser: Chrome on Windows');
    expect(notice.text).toMatch(/IP address: 127\.0\.0\.1/);
    expect(notice.text).toMatch(/When: 1 March 2026 at (?:09:[3-5]\d|10:[0-5]\d) JST/);
    expect(notice.text).toContain(`${app.issuer}/account/security`);

    // The same browser again, even with a new login: no second notice.
    await signInToApp(who, windows, { prompt: 'login' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(notices(who.email)).toHaveLength(1);

    // Turned off in the security centre (this browser is known: no notice for My account either).
    const page = await signInToAccount(app, delivery, who, windows, '/account/security');
    expect(textOf(page, '#notices')).toContain('we send an e-mail to your registered address');
    const off = await windows.submit(page, 'form[action="/account/security/notices"]');
    expect(textOf(off, '[role=status]')).toBe('Sign-in notices are off.');
    expect((await app.context.members.findById(who.id))?.signInNotices).toBe(false);

    await signInToApp(who, browserWith(SAFARI_ON_IPHONE));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(notices(who.email)).toHaveLength(1);
    const audit = await app.context.audit.query({ memberId: who.id, type: 'login.new_browser', limit: 5 });
    expect(audit.events.map((event) => event.detail)).toEqual([{ notified: false }, { notified: true }]);
  });
});
