import type { Context } from 'koa';
import * as oidc from 'openid-client';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';

/**
 * The provider's own consoles (My account) sign members in like any relying app would: the
 * authorization code flow with PKCE against this provider, through openid-client. Back-channel
 * calls (the token endpoint) go to this very process over loopback, with the forwarded headers
 * a load balancer would add, so no instance depends on reaching the public URL from inside.
 */
export interface ConsoleClient {
  clientId: string;
  secret: string;
  /** Path of the callback (under the console's cookie path). */
  callbackPath: string;
  postLogoutPath: string;
  cookiePath: string;
  scope: string;
}

interface Pending {
  verifier: string;
  state: string;
  nonce: string;
  returnTo: string;
}

export interface ConsoleLogin {
  claims: oidc.IDToken;
  idToken: string;
  accessToken: string;
  returnTo: string;
}

export function createConsoleRelyingParty(deps: {
  config: Config;
  client: ConsoleClient;
  localUrl: () => string | undefined;
}) {
  const { config, client } = deps;
  const issuer = new URL(config.issuer);
  const cookie = `${client.clientId}_pending`;
  const configuration = new oidc.Configuration(
    {
      issuer: config.issuer,
      authorization_endpoint: `${config.issuer}/auth`,
      token_endpoint: `${config.issuer}/token`,
      jwks_uri: `${config.issuer}/jwks`,
      end_session_endpoint: `${config.issuer}/session/end`,
    },
    client.clientId,
    { id_token_signed_response_alg: 'ES256' },
    oidc.ClientSecretBasic(client.secret),
  );
  if (issuer.protocol === 'http:') oidc.allowInsecureRequests(configuration);
  configuration[oidc.customFetch] = (url, options) => {
    const local = deps.localUrl();
    if (!local || !url.startsWith(config.issuer)) return fetch(url, options as RequestInit);
    const headers = new Headers(options.headers as ConstructorParameters<typeof Headers>[0]);
    headers.set('x-forwarded-proto', issuer.protocol.slice(0, -1));
    headers.set('x-forwarded-host', issuer.host);
    return fetch(local + url.slice(config.issuer.length), { ...(options as RequestInit), headers });
  };
  const callbackUrl = `${config.issuer}${client.callbackPath}`;

  return {
    /** Redirects the browser to the provider's authorization endpoint. */
    async start(ctx: Context, options: { returnTo: string; params?: Record<string, string> }): Promise<void> {
      const pending: Pending = {
        verifier: oidc.randomPKCECodeVerifier(),
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
        returnTo: options.returnTo,
      };
      ctx.cookies.set(cookie, Buffer.from(JSON.stringify(pending)).toString('base64url'), {
        httpOnly: true,
        sameSite: 'lax',
        signed: true,
        path: client.cookiePath,
        maxAge: 60 * 60 * 1000,
        overwrite: true,
      });
      const url = oidc.buildAuthorizationUrl(configuration, {
        redirect_uri: callbackUrl,
        scope: client.scope,
        code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
        ui_locales: ctx.state.locale,
        ...options.params,
      });
      ctx.status = 303;
      ctx.redirect(url.href);
    },

    /** Completes the sign-in at the callback; throws an AppError the member can act on. */
    async finish(ctx: Context): Promise<ConsoleLogin> {
      const raw = ctx.cookies.get(cookie, { signed: true });
      ctx.cookies.set(cookie, null, { path: client.cookiePath });
      if (!raw)
        throw new AppError('console.error.noSignInInProgress', { detail: 'callback without a pending sign-in' });
      let pending: Pending;
      try {
        pending = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Pending;
      } catch {
        throw new AppError('console.error.noSignInInProgress', { detail: 'unreadable pending sign-in cookie' });
      }
      const current = new URL(callbackUrl);
      current.search = ctx.querystring;
      if (current.searchParams.get('error') === 'access_denied') {
        throw new AppError('console.error.cancelled', { status: 400, detail: 'sign-in cancelled' });
      }
      try {
        const tokens = await oidc.authorizationCodeGrant(configuration, current, {
          pkceCodeVerifier: pending.verifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        });
        return {
          claims: tokens.claims()!,
          idToken: tokens.id_token!,
          accessToken: tokens.access_token,
          returnTo: pending.returnTo,
        };
      } catch (error) {
        throw new AppError('console.error.signInFailed', {
          status: 400,
          detail: `console sign-in failed: ${(error as Error).message}`,
        });
      }
    },

    logoutUrl(idToken: string | undefined): string {
      return oidc.buildEndSessionUrl(configuration, {
        ...(idToken ? { id_token_hint: idToken } : { client_id: client.clientId }),
        post_logout_redirect_uri: `${config.issuer}${client.postLogoutPath}`,
      }).href;
    },
  };
}
export type ConsoleRelyingParty = ReturnType<typeof createConsoleRelyingParty>;
