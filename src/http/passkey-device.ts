import type { Context } from 'koa';
import type { Hmac } from '../security/hmac.js';

/**
 * Whether to offer a member a passkey on this browser (after an SMS-verified sign-in): not when
 * the member already used or created one here, and not for 30 days after "Not now". Remembered in
 * two long-lived signed cookies holding a keyed hash of the member, so they name nobody.
 */
const HERE = 'jmb_pk_here';
const LATER = 'jmb_pk_later';
const YEAR_MS = 365 * 86_400_000;
export const NOT_NOW_DAYS = 30;

const mark = (hmac: Hmac, memberId: string) => hmac.digest('device', `passkey:${memberId}`).slice(0, 22);
const cookie = (maxAge: number) => ({
  httpOnly: true,
  sameSite: 'lax' as const,
  signed: true,
  maxAge,
  overwrite: true,
});

export const passkeyDevice = {
  /** A passkey of this member was created or used on this browser. */
  remember(ctx: Context, hmac: Hmac, memberId: string): void {
    ctx.cookies.set(HERE, mark(hmac, memberId), cookie(YEAR_MS));
  },
  /** "Not now": no offer for NOT_NOW_DAYS. */
  later(ctx: Context, hmac: Hmac, memberId: string): void {
    ctx.cookies.set(LATER, mark(hmac, memberId), cookie(NOT_NOW_DAYS * 86_400_000));
  },
  /** Whether to offer one now. */
  wanted(ctx: Context, hmac: Hmac, memberId: string): boolean {
    const expected = mark(hmac, memberId);
    return (
      ctx.cookies.get(HERE, { signed: true }) !== expected && ctx.cookies.get(LATER, { signed: true }) !== expected
    );
  },
};
