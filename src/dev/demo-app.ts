import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import Koa, { type Context } from 'koa';
import * as oidc from 'openid-client';
import { type LogoutRequest, logoutTokenVerifier } from './logout-token.js';

/**
 * A small relying app for newcomers (development only): "Sign in" runs the real authorization
 * code flow with PKCE against the provider, then shows the ID token's claims and the userinfo
 * response. It is a separate origin and uses openid-client exactly as a real app would. It is
 * registered with a back-channel logout URI: when the member's session at the provider ends (a
 * logout anywhere, the security centre, an admin), the provider posts a logout token and the demo
 * app ends its own session.
 */
interface DemoSession {
  sub: string;
  /** The provider session's id for this app (the ID token's sid): what a logout token names. */
  sid: string | undefined;
  idToken: string;
  claims: Record<string, unknown>;
  userinfo: Record<string, unknown>;
  refreshToken?: string | undefined;
}

interface Pending {
  verifier: string;
  state: string;
  nonce: string;
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>
body{font-family:system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
a.button,button{display:inline-block;background:#0b5cad;color:#fff;border:0;border-radius:.375rem;padding:.6rem 1rem;text-decoration:none;font:inherit;margin:.25rem .25rem .25rem 0}
pre{background:#1d1d1f;color:#f6f6f8;padding:1rem;border-radius:.375rem;overflow-x:auto;font-size:.85rem}
.note{color:#5f6368}</style></head><body>${body}</body></html>`;
}

export async function startDemoApp(options: {
  issuer: string;
  port: number;
  clientId: string;
  clientSecret: string;
}): Promise<{ url: string; server: Server }> {
  const url = `http://localhost:${options.port}`;
  const redirectUri = `${url}/callback`;
  const sessions = new Map<string, DemoSession>();
  let configuration: oidc.Configuration | undefined;
  const discover = async () => {
    configuration ??= await oidc.discovery(
      new URL(options.issuer),
      options.clientId,
      undefined,
      oidc.ClientSecretBasic(options.clientSecret),
      {
        execute: options.issuer.startsWith('http://') ? [oidc.allowInsecureRequests] : [],
      },
    );
    return configuration;
  };

  const app = new Koa({ keys: [randomBytes(32).toString('hex')] });
  const sessionOf = (ctx: Context) => sessions.get(ctx.cookies.get('demo_sid', { signed: true }) ?? '');
  let verifyLogout: ((token: string) => Promise<LogoutRequest>) | undefined;

  /** POST /backchannel-logout: a logout token from the provider ends the sessions it names. */
  async function backchannelLogout(ctx: Context): Promise<void> {
    const config = await discover();
    verifyLogout ??= logoutTokenVerifier({
      issuer: config.serverMetadata().issuer,
      jwksUri: config.serverMetadata().jwks_uri!,
      clientId: options.clientId,
    });
    let body = '';
    for await (const chunk of ctx.req) {
      body += String(chunk);
      if (body.length > 65_536) break;
    }
    try {
      const { sub, sid } = await verifyLogout(new URLSearchParams(body).get('logout_token') ?? '');
      for (const [id, session] of sessions) if (sid ? session.sid === sid : session.sub === sub) sessions.delete(id);
      ctx.status = 200;
      ctx.body = '';
    } catch (error) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: (error as Error).message };
    }
  }

  app.use(async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    if (ctx.path === '/backchannel-logout' && ctx.method === 'POST') return backchannelLogout(ctx);
    if (ctx.path === '/') {
      const session = sessionOf(ctx);
      ctx.body = session
        ? page(
            'Demo app',
            `<h1>Signed in / ログイン済み</h1>
<p><a class="button" href="/logout">Sign out / ログアウト</a> <a class="button" href="/login">Sign in again / 再ログイン</a></p>
<h2>ID token claims / IDトークンのクレーム</h2><pre>${escapeHtml(JSON.stringify(session.claims, null, 2))}</pre>
<h2>Userinfo response / UserInfoレスポンス</h2><pre>${escapeHtml(JSON.stringify(session.userinfo, null, 2))}</pre>
<p class="note">Refresh token issued: ${session.refreshToken ? 'yes' : 'no'}</p>
<p class="note">Signed out at the provider (another app, My account → Security, an admin)? The provider tells this app by back-channel logout, and this page then shows you signed out.</p>`,
          )
        : page(
            'Demo app',
            `<h1>Demo relying app / デモアプリ</h1>
<p>This app signs you in through the JMB identity provider at <code>${escapeHtml(options.issuer)}</code>.</p>
<p>JMB会員ログインを使ってこのアプリにログインします。</p>
<p><a class="button" href="/login">Sign in / ログイン</a></p>`,
          );
      return;
    }
    if (ctx.path === '/login') {
      const config = await discover();
      const pending: Pending = {
        verifier: oidc.randomPKCECodeVerifier(),
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
      };
      ctx.cookies.set('demo_pending', Buffer.from(JSON.stringify(pending)).toString('base64url'), {
        signed: true,
        httpOnly: true,
        sameSite: 'lax',
      });
      const target = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid profile email phone membership offline_access',
        prompt: 'consent',
        code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      });
      ctx.redirect(target.href);
      return;
    }
    if (ctx.path === '/callback') {
      const config = await discover();
      const raw = ctx.cookies.get('demo_pending', { signed: true });
      if (!raw) {
        ctx.status = 400;
        ctx.body = page('Demo app', '<p>No sign-in in progress. <a href="/">Start again</a></p>');
        return;
      }
      const pending = JSON.parse(Buffer.from(raw, 'base64url').toString()) as Pending;
      ctx.cookies.set('demo_pending', null);
      try {
        const tokens = await oidc.authorizationCodeGrant(config, new URL(ctx.href.replace(ctx.origin, url)), {
          pkceCodeVerifier: pending.verifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        });
        const claims = tokens.claims()!;
        const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
        const sid = randomBytes(16).toString('hex');
        sessions.set(sid, {
          sub: claims.sub,
          sid: typeof claims.sid === 'string' ? claims.sid : undefined,
          idToken: tokens.id_token!,
          claims: { ...claims },
          userinfo: { ...userinfo },
          refreshToken: tokens.refresh_token,
        });
        ctx.cookies.set('demo_sid', sid, { signed: true, httpOnly: true, sameSite: 'lax' });
        ctx.redirect('/');
      } catch (error) {
        const e = error as { error?: string; error_description?: string; message: string };
        ctx.status = 400;
        ctx.body = page(
          'Demo app',
          `<h1>Sign-in did not complete</h1><pre>${escapeHtml(e.error ? `${e.error}: ${e.error_description ?? ''}` : e.message)}</pre><p><a href="/">Back</a></p>`,
        );
      }
      return;
    }
    if (ctx.path === '/logout') {
      const config = await discover();
      const session = sessionOf(ctx);
      sessions.delete(ctx.cookies.get('demo_sid', { signed: true }) ?? '');
      ctx.cookies.set('demo_sid', null);
      if (!session) return ctx.redirect('/');
      ctx.redirect(
        oidc.buildEndSessionUrl(config, { id_token_hint: session.idToken, post_logout_redirect_uri: `${url}/` }).href,
      );
      return;
    }
    ctx.status = 404;
    ctx.body = page('Not found', '<p>Not found. <a href="/">Home</a></p>');
  });

  const server = createServer(app.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, resolve);
  });
  return { url, server };
}
