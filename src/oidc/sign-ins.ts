import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context, Middleware } from 'koa';
import type { Connection } from 'mongoose';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { isAdminAccount } from '../admins/library.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { oidcModel } from './adapter.js';

/**
 * What a member's security centre shows about each provider session and oidc-provider does not
 * keep: the browser it was opened in, from where, how, and when it was last used. Kept beside the
 * provider's payload in the session's own record, written by the same write that saves the
 * session (no round trip of its own), and gone with it when the session ends.
 */
export interface SignInRecord {
  userAgent?: string | undefined;
  ip?: string | undefined;
  /** How the member signed in (RFC 8176). */
  amr: string[];
  signedInAt: Date;
  lastSeenAt: Date;
}

/** The field of the session record that holds it. */
export const SIGN_IN_FIELD = 'signIn';

export function createSignIns(deps: { connection: Connection; clock: Clock; config: Config }) {
  const { clock, config } = deps;
  const sessions = oidcModel(deps.connection, 'Session');
  // The protocol request a session is being saved in (oidc-provider saves it at the end of it).
  const current = new AsyncLocalStorage<Context>();

  return {
    /** Around oidc-provider's endpoints: makes the request known to `fieldsToSave`. */
    middleware: ((ctx, next) => current.run(ctx, next)) as Middleware,

    /**
     * Fields to save with a session: after a login (the resume from our sign-in steps), the
     * browser, address and methods of it; at any other use of the session, when it was used.
     */
    fieldsToSave(payload: { accountId?: unknown }): Record<string, unknown> {
      const ctx = current.getStore() as KoaContextWithOIDC | undefined;
      const accountId = payload.accountId;
      if (!ctx || typeof accountId !== 'string' || isAdminAccount(accountId)) return {};
      const now = clock.now();
      const login =
        ctx.oidc?.route === 'resume'
          ? (ctx.oidc.result as { login?: { accountId?: string; amr?: string[] } } | undefined)?.login
          : undefined;
      if (login?.accountId !== accountId) return { [`${SIGN_IN_FIELD}.lastSeenAt`]: now };
      const record: SignInRecord = {
        userAgent: ctx.get('user-agent').slice(0, 300) || undefined,
        ip: ctx.ip,
        amr: login.amr ?? [],
        signedInAt: now,
        lastSeenAt: now,
      };
      return { [SIGN_IN_FIELD]: record };
    },

    /** A session used outside the protocol (My account): written at most once per lastSeenMinutes. */
    async touch(uid: string) {
      const now = clock.now();
      const stale = new Date(now.getTime() - config.sessions.lastSeenMinutes * 60_000);
      await sessions.updateOne(
        { 'payload.uid': uid, [`${SIGN_IN_FIELD}.lastSeenAt`]: { $lt: stale } },
        { $set: { [`${SIGN_IN_FIELD}.lastSeenAt`]: now } },
      );
    },
  };
}
export type SignIns = ReturnType<typeof createSignIns>;
