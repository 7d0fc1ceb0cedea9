import { randomBytes } from 'node:crypto';
import type { Context, Middleware } from 'koa';

/**
 * Headers for every response. The Content-Security-Policy, with a fresh nonce, is attached when
 * one of our templates is rendered (http/render.ts): the protocol endpoints' own HTML (form_post
 * responses) carries its own inline script, and JSON needs none.
 */
export function securityHeaders(options: { hsts: boolean }): Middleware {
  return async (ctx, next) => {
    setSecurityHeaders(ctx, options);
    await next();
  };
}

/**
 * `document: false` for the protocol's JSON endpoints: what only a document obeys (referrer,
 * opener and permissions policies) is left out; what protects any response stays (OWASP's REST
 * guidance: nosniff, no framing, HSTS).
 */
export function setSecurityHeaders(ctx: Context, options: { hsts: boolean; document?: boolean }): void {
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('X-Frame-Options', 'DENY');
  if (options.document !== false) {
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    ctx.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
  }
  if (options.hsts) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
}

/** A nonce for one page's Content-Security-Policy. */
export const cspNonce = () => randomBytes(16).toString('base64');

/**
 * No form-action directive: Chromium applies it to the redirect that follows a form post, and
 * our login and consent forms end in a redirect to the relying app's own origin.
 */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
