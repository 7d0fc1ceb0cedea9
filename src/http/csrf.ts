import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { AppError } from '../errors.js';

/**
 * CSRF tokens: a random per-browser secret in an HttpOnly, SameSite=Lax, signed cookie, and on
 * each form a token = HMAC(secret, scope). The scope binds a token to one flow (an interaction
 * uid, the account area), so a token lifted from one form is useless on another.
 */
const COOKIE = 'csrf';

function secretOf(ctx: Context, create: boolean): string | undefined {
  const existing = ctx.cookies.get(COOKIE, { signed: true });
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  if (!create) return undefined;
  const secret = randomBytes(32).toString('base64url');
  // Secure follows the connection (ctx.secure, which honours X-Forwarded-Proto behind a trusted proxy).
  ctx.cookies.set(COOKIE, secret, { httpOnly: true, sameSite: 'lax', signed: true, overwrite: true });
  return secret;
}

function tokenFor(secret: string, scope: string): string {
  return createHmac('sha256', secret).update(`csrf:${scope}`).digest('base64url');
}

export function csrfToken(ctx: Context, scope: string): string {
  return tokenFor(secretOf(ctx, true)!, scope);
}

export function verifyCsrf(ctx: Context, scope: string, submitted: unknown): void {
  const secret = secretOf(ctx, false);
  if (!secret || typeof submitted !== 'string' || submitted.length === 0) {
    throw new AppError('error.csrf', { status: 403, detail: 'csrf token missing' });
  }
  const expected = Buffer.from(tokenFor(secret, scope));
  const actual = Buffer.from(submitted);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    throw new AppError('error.csrf', { status: 403, detail: 'csrf token mismatch' });
  }
}
