import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp, uniqueDbName } from '../support/app.js';
import { Browser, textOf } from '../support/browser.js';
import {
  authorizationUrl,
  discoverRp,
  exchangeCode,
  firstPartyWebRp,
  oidc,
  passwordLogin,
  type RelyingParty,
} from '../support/rp.js';

/**
 * The negative cases of the OpenID Foundation's basic OP certification plan, and the public-
 * client rules (PKCE required, rotating refresh tokens).
 */
let app: TestApp;
let rp: RelyingParty;
let native: RelyingParty;
const REDIRECT = 'https://rp.example.org/cb';
const NATIVE_REDIRECT = 'jp.example.app:/oauth2redirect';
const members = [
  { membershipNumber: '', password: 'first member password' },
  { membershipNumber: '', password: 'second member password' },
];
const isCallback = (url: string) => url.startsWith(REDIRECT);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  app = await startTestApp({ dbName: uniqueDbName('oidc-negative') });
  for (const [i, m] of members.entries()) {
    const created = await app.context.members.create({
      familyName: 'Member',
      givenName: String(i),
      email: `m${i}@example.com`,
      countryOfResidence: 'JP',
      password: m.password,
    });
    m.membershipNumber = created.membershipNumber;
  }
  rp = await firstPartyWebRp(app, REDIRECT, 'Web');
  const app2 = await app.context.clients.create({
    name: 'Mobile',
    kind: 'native',
    redirectUris: [NATIVE_REDIRECT],
    firstParty: true,
  });
  native = await discoverRp(app.issuer, { ...app2, redirectUri: NATIVE_REDIRECT });
});

afterAll(async () => {
  await app?.close();
});

async function login(params: Record<string, string> = {}, browser = new Browser(), who = members[0]!, relying = rp) {
  const pending = await authorizationUrl(relying, params);
  const { callback, loginPage } = await passwordLogin(browser, relying, who, pending);
  const tokens = await exchangeCode(relying, callback, pending);
  return { tokens, browser, loginPage, callback, pending };
}

function authorizeUrl(params: Record<string, string>): string {
  const url = new URL(`${app.issuer}/auth`);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.href;
}

describe('authorization request errors', () => {
  it('redirects an error when response_type is missing', async () => {
    const page = await new Browser().go(
      authorizeUrl({ client_id: rp.clientId, redirect_uri: REDIRECT, scope: 'openid', state: 's1' }),
      { stopAt: isCallback },
    );
    const callback = new URL(page.url);
    expect(callback.searchParams.get('error')).toBe('invalid_request');
    expect(callback.searchParams.get('error_description')).toMatch(/response_type/);
    expect(callback.searchParams.get('state')).toBe('s1');
  });

  it('shows an error page, and never redirects, for an unregistered redirect_uri', async () => {
    const browser = new Browser();
    browser.headers['accept-language'] = 'en';
    const page = await browser.request(
      authorizeUrl({
        client_id: rp.clientId,
        redirect_uri: 'https://attacker.example/cb',
        response_type: 'code',
        scope: 'openid',
        code_challenge: 'x'.repeat(43),
        code_challenge_method: 'S256',
      }),
    );
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(textOf(page, '[role=alert]')).toBe(
      'The application sent an invalid sign-in request (invalid_redirect_uri). Please go back and try again; if the problem persists, contact the application’s support.',
    );
    const links = page.html
      .querySelectorAll('a, form')
      .map((e) => e.getAttribute('href') ?? e.getAttribute('action') ?? '');
    expect(links.some((href) => href.includes('attacker.example') && !href.startsWith('/lang/'))).toBe(false);
  });

  it('shows an error page for an unknown client', async () => {
    const page = await new Browser().request(
      authorizeUrl({ client_id: 'no-such-client', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid' }),
    );
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(page.html.querySelector('html')?.getAttribute('lang')).toBe('ja');
  });

  it('answers prompt=none without a session with login_required', async () => {
    const pending = await authorizationUrl(rp, { prompt: 'none' });
    const page = await new Browser().go(pending.url, { stopAt: isCallback });
    const callback = new URL(page.url);
    expect(callback.searchParams.get('error')).toBe('login_required');
    expect(callback.searchParams.get('state')).toBe(pending.state);
  });

  it('ignores unknown parameters', async () => {
    const { tokens } = await login({ foo: 'bar', ui_theme: 'dark' });
    expect(tokens.claims()?.sub).toEqual(expect.any(String));
  });
});

describe('token endpoint errors', () => {
  it('refuses a reused authorization code and revokes what the first use issued', async () => {
    const browser = new Browser();
    const pending = await authorizationUrl(rp, { scope: 'openid offline_access' });
    const { callback } = await passwordLogin(browser, rp, members[0]!, pending);
    const first = await exchangeCode(rp, callback, pending);
    expect((await oidc.tokenIntrospection(rp.config, first.access_token)).active).toBe(true);

    await expect(exchangeCode(rp, callback, pending)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.tokenIntrospection(rp.config, first.access_token)).active).toBe(false);
    await expect(oidc.refreshTokenGrant(rp.config, first.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('refuses a code with the wrong PKCE verifier', async () => {
    const browser = new Browser();
    const pending = await authorizationUrl(rp);
    const { callback } = await passwordLogin(browser, rp, members[0]!, pending);
    await expect(
      exchangeCode(rp, callback, { ...pending, verifier: oidc.randomPKCECodeVerifier() }),
    ).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('requires PKCE from public clients', async () => {
    const url = authorizeUrl({
      client_id: native.clientId,
      redirect_uri: NATIVE_REDIRECT,
      response_type: 'code',
      scope: 'openid',
      state: 'p',
    });
    const page = await new Browser().go(url, { stopAt: (u) => u.startsWith(NATIVE_REDIRECT) });
    const callback = new URL(page.url);
    expect(callback.searchParams.get('error')).toBe('invalid_request');
    expect(callback.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  it('rotates a public client’s refresh token and refuses the old one', async () => {
    const { tokens } = await login({ scope: 'openid offline_access' }, new Browser(), members[0]!, native);
    const next = await oidc.refreshTokenGrant(native.config, tokens.refresh_token!);
    expect(next.refresh_token).toEqual(expect.any(String));
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
    await expect(oidc.refreshTokenGrant(native.config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });
});

describe('re-authentication', () => {
  it('asks for the password again with prompt=login, and the new auth_time is later', async () => {
    const { tokens, browser } = await login();
    const firstAuth = tokens.claims()!.auth_time!;
    await sleep(1100);
    const pending = await authorizationUrl(rp, { prompt: 'login' });
    const page = await browser.go(pending.url, { stopAt: isCallback });
    expect(page.html.querySelector('form[action$="/login"]')).not.toBeNull();
    const { callback } = await passwordLogin(browser, rp, members[0]!, pending);
    const again = await exchangeCode(rp, callback, pending);
    expect(again.claims()!.auth_time!).toBeGreaterThan(firstAuth);
  });

  it('asks for the password again once max_age has passed', async () => {
    const { tokens, browser } = await login();
    const firstAuth = tokens.claims()!.auth_time!;
    await sleep(2100);
    const pending = await authorizationUrl(rp, { max_age: '1' });
    const page = await browser.go(pending.url, { stopAt: isCallback });
    expect(page.html.querySelector('form[action$="/login"]')).not.toBeNull();
    const { callback } = await passwordLogin(browser, rp, members[0]!, pending);
    const again = await exchangeCode(rp, callback, pending, { maxAge: 1 });
    expect(again.claims()!.auth_time!).toBeGreaterThan(firstAuth);
  });

  it('honours id_token_hint: silent for the same member, login_required for another', async () => {
    const first = await login();
    const otherBrowser = new Browser();
    const other = await login({}, otherBrowser, members[1]!);

    const same = await authorizationUrl(rp, { prompt: 'none', id_token_hint: first.tokens.id_token! });
    const ok = await first.browser.go(same.url, { stopAt: isCallback });
    const tokens = await exchangeCode(rp, ok.url, same);
    expect(tokens.claims()!.sub).toBe(first.tokens.claims()!.sub);

    const mismatch = await authorizationUrl(rp, { prompt: 'none', id_token_hint: other.tokens.id_token! });
    const refused = await first.browser.go(mismatch.url, { stopAt: isCallback });
    expect(new URL(refused.url).searchParams.get('error')).toBe('login_required');
  });
});

describe('claims', () => {
  it('keeps profile claims out of the ID token and returns them from userinfo by scope', async () => {
    const { tokens } = await login({ scope: 'openid profile' });
    const claims = tokens.claims()!;
    expect(claims).not.toHaveProperty('name');
    expect(claims).not.toHaveProperty('email');
    const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, claims.sub);
    expect(Object.keys(info).sort()).toEqual(['family_name', 'given_name', 'locale', 'name', 'sub']);
  });
});
