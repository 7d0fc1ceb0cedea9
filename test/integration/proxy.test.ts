import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp, uniqueDbName } from '../support/app.js';
import { Browser, findForm, type Page, textOf } from '../support/browser.js';
import { authorizationUrl, discoverRp, type RelyingParty } from '../support/rp.js';

/**
 * Behind a load balancer (TRUST_PROXY): the client's address is the right-most X-Forwarded-For
 * entry that no trusted proxy vouches for, so a client writing its own X-Forwarded-For neither
 * escapes the per-network budget nor chooses what the audit trail records.
 */
const REDIRECT = 'https://app.example.com/cb';

async function appWithClient(env: Record<string, string>, tweak?: Parameters<typeof startTestApp>[0]['tweak']) {
  const app = await startTestApp({ dbName: uniqueDbName('proxy'), env, tweak });
  const client = await app.context.clients.create({
    name: 'JAL Web',
    kind: 'web',
    redirectUris: [REDIRECT],
    firstParty: true,
  });
  const rp = await discoverRp(app.issuer, { ...client, redirectUri: REDIRECT });
  return { app, rp };
}

async function loginPage(rp: RelyingParty, browser: Browser): Promise<Page> {
  const page = await browser.go((await authorizationUrl(rp, { ui_locales: 'en' })).url);
  findForm(page, 'form[action$="/login"]');
  return page;
}

function submit(browser: Browser, page: Page, membershipNumber: string) {
  return browser.submit(
    page,
    'form[action$="/login"]',
    { membershipNumber, password: 'a wrong guess' },
    { stopAt: (url) => url.startsWith(REDIRECT) },
  );
}

describe('with one trusted proxy (TRUST_PROXY=1)', () => {
  let app: TestApp;
  let rp: RelyingParty;
  beforeAll(async () => {
    ({ app, rp } = await appWithClient({ TRUST_PROXY: '1' }, (config) => {
      config.login.perIpPerHour = 3;
    }));
  });
  afterAll(async () => {
    await app?.close();
  });

  it('counts a client that sends its own X-Forwarded-For against its real address, and records that address', async () => {
    const browser = new Browser();
    let page = await loginPage(rp, browser);
    const numbers = ['100000009', '100000017', '100000025', '100000033'];
    for (const [i, number] of numbers.entries()) {
      // The client invents an address each time; the load balancer appends the one it saw.
      browser.headers['x-forwarded-for'] = `198.51.100.${i + 1}, 203.0.113.9`;
      page = await submit(browser, page, number);
      expect(page.status).toBe(i < 3 ? 401 : 429);
    }
    expect(textOf(page, '[role=alert]')).toBe(
      'Too many login attempts from your network. Please wait a while and try again.',
    );

    const recorded = await app.connection
      .collection('audit_events')
      .find({ type: 'login.password', outcome: 'failure' })
      .toArray();
    expect(recorded.map((event) => event.ip)).toEqual(['203.0.113.9', '203.0.113.9', '203.0.113.9', '203.0.113.9']);

    // Another network behind the same load balancer has a budget of its own.
    browser.headers['x-forwarded-for'] = '203.0.113.10';
    page = await submit(browser, page, numbers[0]!);
    expect(page.status).toBe(401);
  });
});

describe('with trusted proxy addresses (TRUST_PROXY=10.0.0.0/8) and a request from elsewhere', () => {
  let app: TestApp;
  let rp: RelyingParty;
  beforeAll(async () => {
    ({ app, rp } = await appWithClient({ TRUST_PROXY: '10.0.0.0/8, 192.0.2.7' }));
  });
  afterAll(async () => {
    await app?.close();
  });

  it('believes none of its X-Forwarded headers: address, scheme and host are its own', async () => {
    const headers = {
      'x-forwarded-for': '203.0.113.77',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'id.attacker.example',
    };
    const discovery = (await (
      await fetch(`${app.baseUrl}/.well-known/openid-configuration`, { headers })
    ).json()) as Record<string, string>;
    expect(discovery.authorization_endpoint).toBe(`${app.issuer}/auth`);
    expect(discovery.token_endpoint).toBe(`${app.issuer}/token`);

    const browser = new Browser();
    browser.headers = headers;
    const page = await loginPage(rp, browser);
    // Not https as far as this server can tell: cookies are not marked Secure.
    expect(page.headers.getSetCookie().some((cookie) => /;\s*secure/i.test(cookie))).toBe(false);
    await submit(browser, page, '100000009');
    const [event] = await app.connection.collection('audit_events').find({ type: 'login.password' }).toArray();
    expect(event?.ip).toBe('127.0.0.1');
  });
});
