import { randomBytes } from 'node:crypto';
import type { Middleware } from 'koa';

/**
 * Headers for every response, and a Content-Security-Policy with a fresh nonce for the pages we
 * render ourselves. The protocol endpoints' own HTML (form_post responses) carries its own
 * inline script, so the CSP is only attached when one of our templates is rendered.
 */
export function securityHeaders(options: { hsts: boolean }): Middleware {
  return async (ctx, next) => {
    ctx.state.cspNonce = randomBytes(16).toString('base64');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    ctx.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
    if (options.hsts) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    await next();
  };
}

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
