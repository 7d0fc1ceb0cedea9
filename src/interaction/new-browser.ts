import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { isAdminAccount } from '../admins/library.js';
import type { AppContext } from '../context.js';
import { describeBrowser, readableIp } from '../http/browser.js';
import { translator } from '../i18n/index.js';

/**
 * After a member's successful login step: is this a browser the member has not signed in with
 * before? Every browser carries a long-lived random id in a signed, HttpOnly cookie; the member's
 * known browsers are remembered by a keyed hash of it. A new one is audited and, unless the member
 * turned it off in the security centre, told by e-mail (the login waits for the mail a second at
 * most: notices are best effort).
 */
const DEVICE_COOKIE = 'jmb_device';
const DEVICE_ID = /^[A-Za-z0-9_-]{32}$/;
const NOTICE_WAIT_MS = 1000;
/** Browsers keep a cookie at most 400 days (RFC 6265bis); every sign-in renews it. */
const DEVICE_COOKIE_MS = 400 * 86_400_000;

export async function noticeNewBrowser(ctx: Context, app: AppContext, accountId: string): Promise<void> {
  if (isAdminAccount(accountId)) return;
  const presented = ctx.cookies.get(DEVICE_COOKIE, { signed: true });
  const deviceId = presented && DEVICE_ID.test(presented) ? presented : randomBytes(24).toString('base64url');
  ctx.cookies.set(DEVICE_COOKIE, deviceId, {
    httpOnly: true,
    sameSite: 'lax',
    signed: true,
    maxAge: DEVICE_COOKIE_MS,
    overwrite: true,
  });
  const { known } = await app.browsers.remember(accountId, deviceId);
  if (known) return;
  const member = await app.members.findById(accountId);
  if (!member) return;
  // Notices go to a verified e-mail address only (notices/library.ts).
  const notify = member.signInNotices !== false && Boolean(member.email && member.emailVerified);
  const browser = describeBrowser(ctx.get('user-agent') || undefined, translator(member.locale));
  await app.audit.record({
    type: 'login.new_browser',
    outcome: 'success',
    memberId: accountId,
    detail: { notified: notify },
  });
  if (!notify) return;
  const sent = app.notices.send(member, 'newBrowser', {
    browser,
    ip: readableIp(ctx.ip),
    url: `${app.config.issuer}/account/security`,
  });
  // Usually the mail is handed over at once; a slow mail relay delays the sign-in a second at most.
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise((resolve) => {
    timer = setTimeout(resolve, NOTICE_WAIT_MS);
  });
  await Promise.race([sent, waited]);
  clearTimeout(timer);
}
