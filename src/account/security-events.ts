import type { Context } from 'koa';
import type { AuditEventType } from '../audit/events.js';
import type { AuditEvent } from '../audit/model.js';
import type { AppContext } from '../context.js';
import { describeBrowser, readableIp } from '../http/browser.js';
import { formatJst, type MessageKey, type Translate } from '../i18n/index.js';

/**
 * The member's own security events of the last 90 days, from the audit trail, as the member
 * reads them: a sentence per kind of event in the member's language, the time in JST, and only
 * details that are the member's own and not secret (masked destinations, passkey names, the
 * browser and address of what the member did). Where the event came from is shown only for what
 * the member did successfully: never the address of a stranger's failed attempt or of staff.
 */
export const SECURITY_EVENT_DAYS = 90;
const PAGE_SIZE = 20;

type Detail = Record<string, unknown>;
type Text = { success?: MessageKey | ((detail: Detail) => MessageKey); failure?: MessageKey };

const TEXTS: Partial<Record<AuditEventType, Text>> = {
  'login.password': { success: 'security.event.loginPassword', failure: 'security.event.loginPasswordFailed' },
  'login.passkey': { success: 'security.event.loginPasskey', failure: 'security.event.loginPasskeyFailed' },
  'login.locked_out': { failure: 'security.event.lockedOut' },
  'login.new_browser': { success: 'security.event.newBrowser' },
  'otp.sent': { success: 'security.event.codeSent' },
  'otp.refused': { failure: 'security.event.codeRefused' },
  'otp.verified': { success: 'security.event.codeVerified' },
  'otp.failed': { failure: 'security.event.codeFailed' },
  'otp.exhausted': { failure: 'security.event.codeExhausted' },
  'passkey.registered': { success: 'security.event.passkeyAdded' },
  'passkey.renamed': { success: 'security.event.passkeyRenamed' },
  'passkey.removed': { success: 'security.event.passkeyRemoved' },
  'profile.email_changed': { success: 'security.event.emailChanged' },
  'profile.phone_changed': { success: 'security.event.phoneChanged' },
  'profile.notification_changed': { success: 'security.event.notificationChanged' },
  'password.reset_requested': { success: 'security.event.resetRequested' },
  'password.reset': { success: 'security.event.passwordReset' },
  'member.recovery_link_sent': { success: 'security.event.recoveryLinkSent' },
  'member.locked': { success: 'security.event.locked' },
  'member.unlocked': { success: 'security.event.unlocked' },
  'member.sessions_ended': { success: 'security.event.signedOutEverywhere' },
  'account.session_ended': { success: 'security.event.sessionEnded' },
  'account.sessions_ended': { success: 'security.event.signedOutEverywhere' },
  'account.app_removed': { success: 'security.event.appRemoved' },
  'account.sign_in_notices_changed': {
    success: (detail) => (detail.on === false ? 'security.event.noticesOff' : 'security.event.noticesOn'),
  },
};
const SHOWN_TYPES = Object.keys(TEXTS);

export interface EventRow {
  time: string;
  what: string;
  details: string[];
}

const text = (value: unknown) => (typeof value === 'string' && value ? value.slice(0, 80) : undefined);

function detailsOf(event: Omit<AuditEvent, 'expiresAt'>, t: Translate): string[] {
  const detail = (event.detail ?? {}) as Detail;
  const channel = detail.channel === 'sms' || detail.channel === 'email' ? detail.channel : undefined;
  const own = !event.actor && event.outcome === 'success';
  return [
    event.actor ? t('security.events.byStaff') : undefined,
    channel ? t(channel === 'sms' ? 'account.notification.sms' : 'account.notification.email') : undefined,
    text(detail.to),
    text(detail.passkey) ?? (event.type.startsWith('passkey.') ? text(detail.name) : undefined),
    text(detail.app),
    own && event.userAgent ? describeBrowser(event.userAgent, t) : undefined,
    own && event.ip ? t('security.sessions.ip', { ip: readableIp(event.ip) }) : undefined,
  ].filter((value): value is string => value !== undefined);
}

export async function securityEvents(
  ctx: Context,
  app: AppContext,
  memberId: string,
  before: Date | undefined,
): Promise<{ rows: EventRow[]; olderBefore: string | undefined }> {
  const t = ctx.state.t as Translate;
  const from = new Date(app.clock.now().getTime() - SECURITY_EVENT_DAYS * 86_400_000);
  const page = await app.audit.query({ memberId, types: SHOWN_TYPES, from, before, limit: PAGE_SIZE });
  const rows: EventRow[] = [];
  for (const event of page.events) {
    const texts = TEXTS[event.type as AuditEventType];
    const key = event.outcome === 'success' ? texts?.success : texts?.failure;
    if (!key) continue;
    const what = t(typeof key === 'function' ? key((event.detail ?? {}) as Detail) : key);
    const time = formatJst(ctx.state.locale, event.at, { dateStyle: 'medium', timeStyle: 'short' });
    rows.push({ time, what, details: detailsOf(event, t) });
  }
  return { rows, olderBefore: page.nextBefore?.toISOString() };
}
