import type { Context } from 'koa';
import type { FlashKey } from '../console/flash.js';
import type { ConsoleSession } from '../console/sessions.js';
import type { AppContext } from '../context.js';
import { csrfToken, verifyCsrf } from '../http/csrf.js';
import type { Member } from '../members/model.js';

/**
 * Who is using My account, and whether they completed the one-time-password step-up recently
 * enough to see or change membership information.
 */
export interface AccountVisit {
  session: ConsoleSession;
  member: Member;
  csrf: string;
}

const csrfScope = (session: ConsoleSession) => `account:${session._id}`;

export function stepUpIsFresh(app: AppContext, session: ConsoleSession): boolean {
  if (!session.stepUpAt) return false;
  return app.clock.now().getTime() - new Date(session.stepUpAt).getTime() < app.config.otp.stepUpMinutes * 60_000;
}

/** Paths under /account that a sign-in or a step-up may bring the member back to. */
export function accountReturnPath(value: unknown): string {
  return typeof value === 'string' && /^\/account(\/[a-z/-]*)?$/.test(value) ? value : '/account';
}

/**
 * The signed-in member, or a redirect: to sign in when there is no session, to the step-up when
 * `stepUp` is required and not fresh. Returns undefined when it redirected.
 */
export async function visit(
  ctx: Context,
  app: AppContext,
  options: { stepUp: boolean; csrfHeader?: boolean },
): Promise<AccountVisit | undefined> {
  const back = ctx.method === 'GET' ? accountReturnPath(ctx.path) : '/account';
  const session = await app.consoles.sessions.load(ctx, 'account');
  const member = session ? await app.members.findById(session.subject) : null;
  if (!session || !member || member.status !== 'active') {
    if (session) await app.consoles.sessions.destroy(ctx, 'account', session);
    ctx.status = 303;
    ctx.redirect(`/account/login?return=${encodeURIComponent(back)}`);
    return undefined;
  }
  if (ctx.method === 'POST') {
    // Forms send the token as a field; the passkey ceremonies' JSON requests send it in a header.
    const token = options.csrfHeader
      ? ctx.get('x-csrf-token')
      : (ctx.request.body as { _csrf?: unknown } | undefined)?._csrf;
    verifyCsrf(ctx, csrfScope(session), token);
  }
  if (options.stepUp && !stepUpIsFresh(app, session)) {
    ctx.status = 303;
    ctx.redirect(`/account/verify?return=${encodeURIComponent(back)}`);
    return undefined;
  }
  return { session, member, csrf: csrfToken(ctx, csrfScope(session)) };
}

/** Post-redirect-get with a message for the next page. */
export async function redirectWithNotice(
  ctx: Context,
  app: AppContext,
  sessionId: string,
  path: string,
  key: FlashKey,
): Promise<void> {
  await app.consoles.sessions.update(sessionId, { flash: key });
  ctx.status = 303;
  ctx.redirect(path);
}
