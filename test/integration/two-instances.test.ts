import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { startTestApp, uniqueDbName, type TestApp } from '../support/app.js';
import { Browser, type Page } from '../support/browser.js';
import { authorizationUrl, discoverRp, exchangeCode, oidc, passwordLogin } from '../support/rp.js';

/**
 * Two app processes on one database behind one "load balancer": every request of one member's
 * flow goes to the other instance than the one before. Nothing may live in process memory.
 */
let a: TestApp;
let b: TestApp;
const REDIRECT = 'https://rp.example.net/cb';

/** A browser whose requests alternate between the two instances. */
class RoundRobinBrowser extends Browser {
  served: string[] = [];
  constructor(private readonly origins: string[]) {
    super();
  }
  override async request(url: string, init?: Parameters<Browser['request']>[1]): Promise<Page> {
    const target = new URL(url);
    if (this.origins.includes(target.origin)) {
      const next = this.origins[this.served.length % this.origins.length]!;
      this.served.push(next);
      url = next + target.pathname + target.search;
    }
    return super.request(url, init);
  }
}

beforeAll(async () => {
  const dbName = uniqueDbName('two-instances');
  a = await startTestApp({ dbName });
  b = await startTestApp({ dbName, issuer: a.issuer });
});

afterAll(async () => {
  await b?.close();
  await a?.close();
});

it('completes a sign-in whose requests alternate between two instances', async () => {
  const password = 'shared database password';
  const member = await a.context.members.create({ familyName: 'Ito', givenName: 'Mai', email: 'mai@example.com', countryOfResidence: 'JP', password });
  const client = await b.context.clients.create({ name: 'Web', kind: 'web', redirectUris: [REDIRECT], firstParty: false });
  const rp = await discoverRp(a.issuer, { ...client, redirectUri: REDIRECT });

  const browser = new RoundRobinBrowser([a.baseUrl, b.baseUrl]);
  const pending = await authorizationUrl(rp, { scope: 'openid email' });
  const { callback } = await passwordLogin(browser, rp, { membershipNumber: member.membershipNumber, password }, pending);
  // /auth, /interaction (login page), POST login, /auth resume, /interaction (consent), POST confirm, /auth resume
  expect(browser.served.length).toBeGreaterThanOrEqual(6);
  expect(new Set(browser.served)).toEqual(new Set([a.baseUrl, b.baseUrl]));

  const tokens = await exchangeCode(rp, callback, pending);
  expect(tokens.claims()?.sub).toBe(member._id);
  // The access token issued through instance A's token endpoint works at instance B.
  const viaB = await discoverRp(a.issuer, { ...client, redirectUri: REDIRECT });
  const called: string[] = [];
  viaB.config[oidc.customFetch] = (url, options) => {
    const rewritten = url.replace(a.baseUrl, b.baseUrl);
    called.push(rewritten);
    return fetch(rewritten, options as RequestInit);
  };
  const info = await oidc.fetchUserInfo(viaB.config, tokens.access_token, member._id);
  expect(info.email).toBe('mai@example.com');
  expect(called).toEqual([`${b.baseUrl}/me`]);
});
