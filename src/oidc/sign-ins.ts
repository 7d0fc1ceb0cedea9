import type { Middleware } from 'koa';
import { type Connection, type Model, Schema } from 'mongoose';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { isAdminAccount } from '../admins/library.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';

/**
 * What a member's security centre shows about each provider session and oidc-provider does not
 * keep: the browser it was opened in, from where, how, and when it was last used. Kept in a
 * collection of ours keyed by the session's uid (which, unlike its id, survives every save):
 * the provider's session record has no room for extra data.
 */
export interface SignInRecord {
  /** The provider session's uid. */
  _id: string;
  accountId: string;
  userAgent?: string | undefined;
  ip?: string | undefined;
  /** How the member signed in (RFC 8176). */
  amr: string[];
  signedInAt: Date;
  lastSeenAt: Date;
  /** Housekeeping only: readers go by the provider's live sessions. */
  expiresAt: Date;
}

const schema = new Schema<SignInRecord>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    userAgent: { type: String, maxlength: 300 },
    ip: { type: String, maxlength: 64 },
    amr: { type: [String], default: [] },
    signedInAt: { type: Date, required: true },
    lastSeenAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'session_sign_ins', versionKey: false },
);
schema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
schema.index({ accountId: 1 });

export function createSignIns(deps: { connection: Connection; clock: Clock; config: Config }) {
  const { connection, clock, config } = deps;
  const model: Model<SignInRecord> = connection.model<SignInRecord>('SignIn', schema);
  const expiry = (now: Date) => new Date(now.getTime() + config.ttl.sessionSeconds * 1000);

  return {
    model,

    async record(uid: string, accountId: string, from: { userAgent: string; ip: string; amr: string[] }) {
      const now = clock.now();
      const record = { accountId, ...from, signedInAt: now, lastSeenAt: now, expiresAt: expiry(now) };
      await model.replaceOne({ _id: uid }, record, { upsert: true });
    },

    /** A session used again: written at most once per lastSeenMinutes, to spare the database. */
    async touch(uid: string) {
      const now = clock.now();
      const stale = new Date(now.getTime() - config.sessions.lastSeenMinutes * 60_000);
      await model.updateOne(
        { _id: uid, lastSeenAt: { $lt: stale } },
        { $set: { lastSeenAt: now, expiresAt: expiry(now) } },
      );
    },

    find: (uids: string[]) => model.find({ _id: { $in: uids } }).lean<SignInRecord[]>(),

    remove: (uids: string[]) => model.deleteMany({ _id: { $in: uids } }),
  };
}
export type SignIns = ReturnType<typeof createSignIns>;

/**
 * Around oidc-provider's endpoints: a login the provider has just applied to a session (the
 * resume after our sign-in steps) is recorded with the browser and address it came from; a
 * session used at the authorization endpoint is marked as seen; a session logged out through an
 * app is forgotten.
 */
export function trackSignIns(signIns: SignIns): Middleware {
  return async (ctx, next) => {
    await next();
    const { oidc } = ctx as unknown as KoaContextWithOIDC;
    const route = oidc?.route;
    if (route !== 'resume' && route !== 'authorization' && route !== 'end_session_confirm') return;
    const session = oidc.entities.Session as
      | (typeof oidc.entities.Session & { new?: boolean; destroyed?: boolean })
      | undefined;
    const accountId = session?.accountId;
    if (!session || !accountId || isAdminAccount(accountId)) return;
    if (session.destroyed) {
      await signIns.remove([session.uid]);
      return;
    }
    if (route === 'end_session_confirm') return;
    const login = (oidc.result as { login?: { amr?: string[] } } | undefined)?.login;
    if (route === 'resume' && login) {
      await signIns.record(session.uid, accountId, {
        userAgent: ctx.get('user-agent').slice(0, 300),
        ip: ctx.ip,
        amr: login.amr ?? [],
      });
    } else if (!session.new) await signIns.touch(session.uid);
  };
}
