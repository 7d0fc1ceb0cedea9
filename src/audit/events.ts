/**
 * Every kind of security event the audit trail holds, in one typed list: the recorder accepts
 * nothing else, and the admin console and the member's security page name them from here.
 */
export const AUDIT_EVENT_TYPES = [
  'login.password',
  'login.passkey',
  'login.locked_out',
  'otp.sent',
  'otp.refused',
  'otp.sms_refused',
  'otp.delivery_failed',
  'otp.verified',
  'otp.failed',
  'otp.exhausted',
  'passkey.registered',
  'passkey.registration_refused',
  'passkey.renamed',
  'passkey.removed',
  'passkey.counter_regression',
  'profile.email_changed',
  'profile.phone_changed',
  'profile.notification_changed',
  'member.created',
  'member.imported',
  'member.locked',
  'member.unlocked',
  'member.sessions_ended',
  'member.recovery_link_sent',
  'password.reset_requested',
  'password.reset',
  'password.reset_refused',
  'login.new_browser',
  'account.session_ended',
  'account.sessions_ended',
  'account.app_removed',
  'account.sign_in_notices_changed',
  'logout.backchannel_failed',
  'client.created',
  'client.changed',
  'client.deleted',
  'client.disabled',
  'client.enabled',
  'client.secret_rotated',
  'client.registration_token_issued',
  'admin.created',
  'admin.enrolled',
  'admin.login',
  'admin.logout',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export const isAuditEventType = (value: unknown): value is AuditEventType =>
  (AUDIT_EVENT_TYPES as readonly unknown[]).includes(value);
