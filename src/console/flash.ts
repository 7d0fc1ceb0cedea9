import type { MessageKey } from '../i18n/index.js';

/**
 * The one-time messages a console page may leave for the next one (post, redirect, get): one
 * typed list, so a key that has no message cannot be stored, and a stored value that is not one
 * of them is never shown.
 */
export const FLASH_KEYS = [
  'account.email.changed',
  'account.phone.verified',
  'account.notification.saved',
  'passkeys.added',
  'passkeys.renamed',
  'passkeys.deleted',
  'security.signedOut',
  'security.appRemoved',
  'security.notices.turnedOn',
  'security.notices.turnedOff',
  'admin.clients.created',
  'admin.clients.saved',
  'admin.clients.iat',
  'admin.clients.rotated',
  'admin.clients.disabled',
  'admin.clients.enabled',
  'admin.clients.deleted',
  'admin.members.locked',
  'admin.members.unlocked',
  'admin.members.sessionsEnded',
  'admin.members.passkeyRevoked',
  'admin.members.contactChanged',
  'admin.members.recoveryLinkSent',
] as const satisfies readonly MessageKey[];
export type FlashKey = (typeof FLASH_KEYS)[number];

export const isFlashKey = (value: unknown): value is FlashKey => (FLASH_KEYS as readonly unknown[]).includes(value);
