import type { Context } from 'koa';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { describeBrowser, readableIp } from '../http/browser.js';
import { renderPage } from '../http/render.js';
import { formatJst, type MessageKey, type Translate } from '../i18n/index.js';
import type { MemberSession } from '../oidc/sessions.js';
import type { AccountVisit } from './guard.js';
import { SECURITY_EVENT_DAYS, securityEvents } from './security-events.js';

/**
 * The security centre's page: the browsers and devices signed in to the membership (this one
 * marked), the apps it is connected to, the sign-in notice setting, and the security activity of
 * the last 90 days (security-events.ts).
 */
export interface SessionRow {
  handle: string;
  browser: string;
  signedIn: string;
  method: string;
  lastSeen: string | undefined;
  ip: string | undefined;
  current: boolean;
}

/** The sign-in methods of a session, from its amr (RFC 8176). */
function methodOf(amr: string[], t: Translate): string {
  const methods: MessageKey[] = [];
  if (amr.includes('pwd')) methods.push('security.method.pwd');
  if (amr.includes('hwk') || amr.includes('swk')) methods.push('security.method.passkey');
  if (amr.includes('otp')) methods.push('security.method.otp');
  return methods.map((key) => t(key)).join(' + ') || t('security.method.unknown');
}

/** Session uids never appear in a URL: a page names a session by a keyed hash of it. */
export const sessionHandle = (app: AppContext, uid: string) => app.hmac.digest('session-handle', uid).slice(0, 22);

export function sessionRow(ctx: Context, app: AppContext, session: MemberSession, currentUid?: string): SessionRow {
  const t = ctx.state.t as Translate;
  const when = (date: Date) => formatJst(ctx.state.locale, date, { dateStyle: 'medium', timeStyle: 'short' });
  return {
    handle: sessionHandle(app, session.uid),
    browser: describeBrowser(session.userAgent, t),
    signedIn: when(session.signedInAt),
    method: methodOf(session.amr, t),
    lastSeen: session.lastSeenAt ? when(session.lastSeenAt) : undefined,
    ip: session.ip ? readableIp(session.ip) : undefined,
    current: session.uid === currentUid,
  };
}

const before = z.iso.datetime({ offset: true }).optional().catch(undefined);

export async function showSecurity(
  ctx: Context,
  app: AppContext,
  current: AccountVisit,
  view: { error?: string; status?: number } = {},
): Promise<void> {
  const memberId = current.member._id;
  const currentUid = await app.memberSessions.currentUid(ctx);
  if (currentUid) await app.memberSessions.seen(currentUid);
  const [sessions, apps, flash] = await Promise.all([
    app.memberSessions.list(memberId),
    app.memberSessions.apps(memberId),
    app.consoles.sessions.takeFlash(current.session),
  ]);
  const olderThan = before.parse(ctx.query.before);
  const events = await securityEvents(ctx, app, memberId, olderThan ? new Date(olderThan) : undefined);
  const date = (at: Date) => formatJst(ctx.state.locale, at, { dateStyle: 'medium' });
  await renderPage(
    ctx,
    'account/security',
    {
      csrf: current.csrf,
      member: current.member,
      sessions: sessions.map((session) => sessionRow(ctx, app, session, currentUid)),
      apps: apps.map((connected) => ({
        clientId: connected.clientId,
        name: connected.name,
        since: date(connected.since),
        scopes: connected.scopes,
      })),
      events: events.rows,
      olderUrl: events.olderBefore
        ? `/account/security?before=${encodeURIComponent(events.olderBefore)}#activity`
        : undefined,
      latestUrl: olderThan ? '/account/security#activity' : undefined,
      days: SECURITY_EVENT_DAYS,
      notice: flash ? ctx.state.t(flash) : undefined,
      error: view.error,
    },
    view.status,
  );
}
