import * as oidc from 'openid-client';
import type { TestApp } from './app.js';
import type { Browser, Page } from './browser.js';
import { findForm } from './browser.js';

/**
 * The relying app in tests: openid-client, an independent implementation, talking to the
 * provider over real HTTP.
 */
export interface RelyingParty {
  config: oidc.Configuration;
  clientId: string;
  redirectUri: string;
}

export interface RpClient {
  clientId: string;
  clientSecret?: string | undefined;
  redirectUri: string;
  /** The app's id_token_signed_response_alg, when not RS256. */
  idTokenAlg?: string;
}

export async function discoverRp(issuer: string, client: RpClient): Promise<RelyingParty> {
  const auth = client.clientSecret ? oidc.ClientSecretBasic(client.clientSecret) : oidc.None();
  const metadata = client.idTokenAlg ? { id_token_signed_response_alg: client.idTokenAlg } : undefined;
  const config = await oidc.discovery(new URL(issuer), client.clientId, metadata, auth, {
    execute: [oidc.allowInsecureRequests],
  });
  oidc.enableNonRepudiationChecks(config); // verify ID token signatures against the JWKS too
  return { config, clientId: client.clientId, redirectUri: client.redirectUri };
}

/** A first-party web app registered on `app`, as a relying party. */
export async function firstPartyWebRp(app: TestApp, redirectUri: string, name = 'JAL Web'): Promise<RelyingParty> {
  const client = await app.context.clients.create({ name, kind: 'web', redirectUris: [redirectUri], firstParty: true });
  return discoverRp(app.issuer, { ...client, redirectUri });
}

export interface PendingLogin {
  url: string;
  state: string;
  nonce: string;
  verifier: string;
}

export async function authorizationUrl(rp: RelyingParty, params: Record<string, string> = {}): Promise<PendingLogin> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(rp.config, {
    redirect_uri: rp.redirectUri,
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  return { url: url.href, state, nonce, verifier };
}

export function exchangeCode(
  rp: RelyingParty,
  callbackUrl: string,
  pending: PendingLogin,
  checks: { maxAge?: number } = {},
) {
  return oidc.authorizationCodeGrant(rp.config, new URL(callbackUrl), {
    pkceCodeVerifier: pending.verifier,
    expectedState: pending.state,
    expectedNonce: pending.nonce,
    maxAge: checks.maxAge,
    idTokenExpected: true,
  });
}

/**
 * Verifies an ID token the way a relying app that holds it would (openid-client): its signature
 * against the provider's JWKS, as fetched now or, given `jwksCache`, as the app kept it from an
 * earlier fetch (openid-client refetches for an unknown kid only when that copy is a minute old),
 * then issuer, audience, expiry and nonce. The token is handed over as an implicit-flow
 * authentication response, openid-client's way of checking an ID token on its own.
 */
export async function verifyIdToken(
  issuer: string,
  client: RpClient,
  idToken: string,
  nonce: string,
  jwksCache?: oidc.ExportedJWKSCache,
): Promise<oidc.IDToken> {
  const metadata = { id_token_signed_response_alg: client.idTokenAlg ?? 'RS256' };
  const config = await oidc.discovery(new URL(issuer), client.clientId, metadata, oidc.None(), {
    execute: [oidc.allowInsecureRequests, oidc.useIdTokenResponseType],
  });
  if (jwksCache) oidc.setJwksCache(config, jwksCache);
  return oidc.implicitAuthentication(config, new URL(`${client.redirectUri}#id_token=${idToken}`), nonce);
}

/** Opens the authorization URL in `browser` and fills in the login page, ending at the callback. */
export async function passwordLogin(
  browser: Browser,
  rp: RelyingParty,
  credentials: { membershipNumber: string; password: string },
  pending: PendingLogin,
): Promise<{ callback: string; loginPage: Page }> {
  const isCallback = (url: string) => url.startsWith(rp.redirectUri);
  const loginPage = await browser.go(pending.url, { stopAt: isCallback });
  if (isCallback(loginPage.url)) return { callback: loginPage.url, loginPage };
  findForm(loginPage, 'form[action$="/login"]');
  const after = await browser.submit(loginPage, 'form[action$="/login"]', credentials, { stopAt: isCallback });
  if (!isCallback(after.url)) {
    // a consent page, for third-party apps
    const consent = findForm(after, 'form[action$="/confirm"]');
    void consent;
    const done = await browser.submit(after, 'form[action$="/confirm"]', {}, { stopAt: isCallback });
    if (!isCallback(done.url))
      throw new Error(`did not reach the callback: ${done.status} ${done.url}\n${done.body.slice(0, 1500)}`);
    return { callback: done.url, loginPage };
  }
  return { callback: after.url, loginPage };
}

export { oidc };
