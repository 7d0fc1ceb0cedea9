import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { ACR } from '../../src/assurance/acr.js';
import { startTestApp, type TestApp, uniqueDbName } from '../support/app.js';
import { Browser } from '../support/browser.js';
import { authorizationUrl, discoverRp, exchangeCode, oidc, passwordLogin, type RelyingParty } from '../support/rp.js';

/**
 * A relying app (openid-client) signs a member in through the whole authorization code flow
 * with PKCE, over real HTTP, and uses every endpoint it would use in production.
 */
let app: TestApp;
let rsClient: { clientId: string; clientSecret?: string | undefined };
let esClient: { clientId: string; clientSecret?: string | undefined };
const credentials = { membershipNumber: '', password: 'correct horse battery staple' };
let memberId: string;
const REDIRECT = 'https://rp.example.com/callback';
const LOGGED_OUT = 'https://rp.example.com/logged-out';

beforeAll(async () => {
  app = await startTestApp({ dbName: uniqueDbName('oidc-flow') });
  const member = await app.context.members.create({
    familyName: '日本',
    givenName: '花子',
    email: 'hanako@example.co.jp',
    phone: '090-1234-5678',
    countryOfResidence: 'JP',
    locale: 'ja',
    password: credentials.password,
  });
  credentials.membershipNumber = member.membershipNumber;
  memberId = member._id;
  rsClient = await app.context.clients.create({
    name: 'JAL Web',
    kind: 'web',
    redirectUris: [REDIRECT],
    postLogoutRedirectUris: [LOGGED_OUT],
    firstParty: true,
  });
  esClient = await app.context.clients.create({
    name: 'JAL Card',
    kind: 'web',
    redirectUris: [REDIRECT],
    firstParty: true,
    idTokenSigningAlg: 'ES256',
  });
});

afterAll(async () => {
  await app?.close();
});

async function signIn(rp: RelyingParty, params: Record<string, string> = {}, browser = new Browser()) {
  const pending = await authorizationUrl(rp, {
    scope: 'openid profile email phone membership offline_access',
    ...params,
  });
  const { callback } = await passwordLogin(browser, rp, credentials, pending);
  const tokens = await exchangeCode(rp, callback, pending);
  return { tokens, browser, pending };
}

describe('discovery', () => {
  it('publishes the endpoints, scopes, claims and assurance levels a relying app needs', async () => {
    const response = await fetch(`${app.issuer}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const meta = (await response.json()) as Record<string, unknown>;
    expect(meta.issuer).toBe(app.issuer);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(meta.response_types_supported).toEqual(['code']);
    expect(meta.acr_values_supported).toEqual(expect.arrayContaining([ACR.password, ACR.otp, ACR.passkey]));
    expect(meta.scopes_supported).toEqual(
      expect.arrayContaining(['openid', 'profile', 'email', 'phone', 'membership', 'offline_access']),
    );
    expect(meta.claims_supported).toEqual(
      expect.arrayContaining(['membership_number', 'acr', 'amr', 'auth_time', 'phone_number_verified']),
    );
    expect(meta.id_token_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS256', 'ES256']));
    for (const endpoint of [
      'authorization_endpoint',
      'token_endpoint',
      'userinfo_endpoint',
      'jwks_uri',
      'end_session_endpoint',
      'revocation_endpoint',
      'introspection_endpoint',
    ]) {
      expect(meta[endpoint]).toEqual(expect.stringMatching(new RegExp(`^${app.issuer}/`)));
    }
    expect(meta.ui_locales_supported).toEqual(['ja', 'en']);
  });

  it('serves public keys only', async () => {
    const jwks = (await (await fetch(`${app.issuer}/jwks`)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys.map((k) => k.kty).sort()).toEqual(['EC', 'RSA']);
    for (const key of jwks.keys) expect(key).not.toHaveProperty('d');
  });
});

describe('authorization code flow with PKCE', () => {
  it('signs the member in and issues an RS256 ID token with acr, amr and auth_time', async () => {
    const rp = await discoverRp(app.issuer, { ...rsClient, redirectUri: REDIRECT });
    const before = Math.floor(Date.now() / 1000) - 1;
    const { tokens } = await signIn(rp);
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(memberId);
    expect(claims.aud).toBe(rsClient.clientId);
    expect(claims.acr).toBe(ACR.password);
    expect(claims.amr).toEqual(['pwd']);
    expect(claims.auth_time).toBeGreaterThanOrEqual(before);
    expect(decodeProtectedHeader(tokens.id_token!).alg).toBe('RS256');
    const { payload } = await jwtVerify(tokens.id_token!, createRemoteJWKSet(new URL(`${app.issuer}/jwks`)), {
      issuer: app.issuer,
      audience: rsClient.clientId,
    });
    expect(payload.sub).toBe(memberId);
    expect(tokens.refresh_token).toEqual(expect.any(String));
  });

  it('signs ID tokens with ES256 for a client registered for it', async () => {
    const rp = await discoverRp(app.issuer, { ...esClient, redirectUri: REDIRECT });
    const { tokens } = await signIn(rp, { scope: 'openid' });
    expect(decodeProtectedHeader(tokens.id_token!).alg).toBe('ES256');
    await jwtVerify(tokens.id_token!, createRemoteJWKSet(new URL(`${app.issuer}/jwks`)), {
      issuer: app.issuer,
      audience: esClient.clientId,
    });
  });

  it('returns claims by scope from userinfo', async () => {
    const rp = await discoverRp(app.issuer, { ...rsClient, redirectUri: REDIRECT });
    const { tokens } = await signIn(rp);
    const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, memberId);
    expect(info).toMatchObject({
      sub: memberId,
      name: '日本 花子',
      family_name: '日本',
      given_name: '花子',
      locale: 'ja',
      email: 'hanako@example.co.jp',
      email_verified: true,
      phone_number: '+819012345678',
      phone_number_verified: true,
      membership_number: credentials.membershipNumber,
    });

    const narrow = await signIn(rp, { scope: 'openid email' });
    const limited = await oidc.fetchUserInfo(rp.config, narrow.tokens.access_token, memberId);
    expect(limited).toEqual({ sub: memberId, email: 'hanako@example.co.jp', email_verified: true });
  });

  it('refreshes, revokes and introspects tokens', async () => {
    const rp = await discoverRp(app.issuer, { ...rsClient, redirectUri: REDIRECT });
    const { tokens } = await signIn(rp);
    const active = await oidc.tokenIntrospection(rp.config, tokens.access_token);
    expect(active).toMatchObject({ active: true, sub: memberId, client_id: rsClient.clientId });

    const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.claims()?.sub).toBe(memberId);

    await oidc.tokenRevocation(rp.config, refreshed.access_token);
    expect(await oidc.tokenIntrospection(rp.config, refreshed.access_token)).toEqual({ active: false });
    await expect(oidc.fetchUserInfo(rp.config, refreshed.access_token, memberId)).rejects.toThrow();
  });

  it('introspects each kind of token without a hint, and honours tokens issued before ids had a length per kind', async () => {
    const rp = await discoverRp(app.issuer, { ...rsClient, redirectUri: REDIRECT });
    const { tokens } = await signIn(rp);
    // Each kind has its own length, so only the right collection is asked (src/oidc/token-ids.ts).
    expect([tokens.access_token.length, tokens.refresh_token?.length]).toEqual([44, 46]);
    expect(await oidc.tokenIntrospection(rp.config, tokens.refresh_token!)).toMatchObject({
      active: true,
      sub: memberId,
      client_id: rsClient.clientId,
    });

    // A refresh token from before the upgrade: 43 characters, as oidc-provider made every id.
    const records = app.connection.db!.collection<{ _id: string; payload: Record<string, unknown> }>(
      'oidc_refresh_token',
    );
    const stored = await records.findOne({ _id: tokens.refresh_token! });
    const earlier = 'E'.repeat(43);
    await records.insertOne({ ...stored!, _id: earlier, payload: { ...stored!.payload, jti: earlier } });
    expect(await oidc.tokenIntrospection(rp.config, earlier)).toMatchObject({ active: true, sub: memberId });
    const refreshed = await oidc.refreshTokenGrant(rp.config, earlier);
    expect(refreshed.claims()?.sub).toBe(memberId);
  });

  it('logs the member out through RP-initiated logout and returns to the app', async () => {
    const rp = await discoverRp(app.issuer, { ...rsClient, redirectUri: REDIRECT });
    const { tokens, browser } = await signIn(rp);
    const endSession = oidc.buildEndSessionUrl(rp.config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: LOGGED_OUT,
      state: 'bye',
    });
    const confirm = await browser.go(endSession.href);
    expect(confirm.status).toBe(200);
    expect(confirm.html.querySelector('html')?.getAttribute('lang')).toBe('ja');
    const done = await browser.submit(
      confirm,
      'form#op\\.logoutForm',
      { logout: 'yes' },
      { stopAt: (url) => url.startsWith(LOGGED_OUT) },
    );
    expect(done.url).toBe(`${LOGGED_OUT}?state=bye`);

    // The session is gone: the next authorization request asks for a login again.
    const pending = await authorizationUrl(rp, { prompt: 'none' });
    const silent = await browser.go(pending.url, { stopAt: (url) => url.startsWith(REDIRECT) });
    expect(new URL(silent.url).searchParams.get('error')).toBe('login_required');
  });

  it('keeps the airline’s own app signed in after the member logs out of another app: refresh tokens outlive the session', async () => {
    const web = await discoverRp(app.issuer, { ...rsClient, redirectUri: REDIRECT });
    const card = await discoverRp(app.issuer, { ...esClient, redirectUri: REDIRECT });
    const browser = new Browser();
    const { tokens } = await signIn(web, {}, browser);
    // The card app asks for no offline_access: a first-party app gets its refresh token anyway.
    const cardLogin = await authorizationUrl(card, { scope: 'openid profile' });
    const silent = await browser.go(cardLogin.url, { stopAt: (url) => url.startsWith(REDIRECT) });
    const cardTokens = await exchangeCode(card, silent.url, cardLogin);
    expect(cardTokens.refresh_token).toEqual(expect.any(String));

    const endSession = oidc.buildEndSessionUrl(web.config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: LOGGED_OUT,
    });
    const confirm = await browser.go(endSession.href);
    await browser.submit(
      confirm,
      'form#op\\.logoutForm',
      { logout: 'yes' },
      { stopAt: (url) => url.startsWith(LOGGED_OUT) },
    );

    const refreshed = await oidc.refreshTokenGrant(card.config, cardTokens.refresh_token!);
    expect(await oidc.fetchUserInfo(card.config, refreshed.access_token, memberId)).toMatchObject({
      sub: memberId,
      name: '日本 花子',
    });
  });
});
