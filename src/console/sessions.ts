import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { type Connection, type Model, Schema } from 'mongoose';
import type { Clock } from '../clock.js';
import { type FlashKey, isFlashKey } from './flash.js';

/**
 * Sessions of the provider's own consoles, in MongoDB (any instance serves any request). The
 * browser holds only a random id in a signed, HttpOnly cookie scoped to the console's path.
 * A session ends after 30 idle minutes or 12 hours, whichever comes first.
 */
export type ConsoleName = 'account' | 'admin';

export interface ConsoleSession {
  _id: string;
  console: ConsoleName;
  subject: string;
  idToken: string;
  /** The provider session's id for the console (the ID token's sid): back-channel logout ends it. */
  sid?: string | undefined;
  /** The admin console's access token for the admin API. */
  accessToken?: string | undefined;
  /** When the member last completed the console's one-time-password step-up. */
  stepUpAt?: Date | undefined;
  /** Values a multi-step change carries between pages (e.g. the new e-mail address). */
  pending?: Record<string, string> | undefined;
  /** A message shown once on the next page. */
  flash?: FlashKey | undefined;
  createdAt: Date;
  expiresAt: Date;
  absoluteExpiresAt: Date;
}

const IDLE_MS = 30 * 60_000;
const ABSOLUTE_MS = 12 * 3600_000;

const schema = new Schema<ConsoleSession>(
  {
    _id: { type: String, required: true },
    console: { type: String, required: true },
    subject: { type: String, required: true },
    idToken: { type: String, required: true },
    sid: String,
    accessToken: String,
    stepUpAt: Date,
    pending: { type: Schema.Types.Mixed },
    flash: String,
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    absoluteExpiresAt: { type: Date, required: true },
  },
  { collection: 'console_sessions', versionKey: false, minimize: false },
);
schema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
schema.index({ subject: 1 });

export type ConsoleSessionModel = Model<ConsoleSession>;
export function createConsoleSessionModel(connection: Connection): ConsoleSessionModel {
  return connection.model<ConsoleSession>('ConsoleSession', schema);
}

export function createConsoleSessions(model: ConsoleSessionModel, clock: Clock) {
  const cookieOf = (name: ConsoleName) => ({ name: `jmb_${name}`, path: `/${name}` });

  return {
    async create(
      ctx: Context,
      name: ConsoleName,
      data: { subject: string; idToken: string; sid?: string | undefined; accessToken?: string },
    ): Promise<ConsoleSession> {
      const now = clock.now();
      const session: ConsoleSession = {
        _id: randomBytes(24).toString('base64url'),
        console: name,
        subject: data.subject,
        idToken: data.idToken,
        sid: data.sid,
        accessToken: data.accessToken,
        createdAt: now,
        expiresAt: new Date(now.getTime() + IDLE_MS),
        absoluteExpiresAt: new Date(now.getTime() + ABSOLUTE_MS),
      };
      await model.create(session);
      const cookie = cookieOf(name);
      ctx.cookies.set(cookie.name, session._id, {
        httpOnly: true,
        sameSite: 'lax',
        signed: true,
        path: cookie.path,
        overwrite: true,
      });
      return session;
    },

    /** The live session of this browser, its idle timer restarted; null when there is none. */
    async load(ctx: Context, name: ConsoleName): Promise<ConsoleSession | null> {
      const id = ctx.cookies.get(cookieOf(name).name, { signed: true });
      if (!id || !/^[A-Za-z0-9_-]{32}$/.test(id)) return null;
      const now = clock.now();
      const session = await model
        .findOne({ _id: id, console: name, expiresAt: { $gt: now }, absoluteExpiresAt: { $gt: now } })
        .lean<ConsoleSession>();
      if (!session) return null;
      const expiresAt = new Date(Math.min(now.getTime() + IDLE_MS, session.absoluteExpiresAt.getTime()));
      await model.updateOne({ _id: id }, { $set: { expiresAt } });
      return { ...session, expiresAt };
    },

    async update(
      id: string,
      set: Partial<Pick<ConsoleSession, 'stepUpAt' | 'pending' | 'flash' | 'accessToken'>>,
      unset: Array<'pending' | 'flash' | 'stepUpAt'> = [],
    ): Promise<void> {
      await model.updateOne(
        { _id: id },
        { $set: set, ...(unset.length ? { $unset: Object.fromEntries(unset.map((k) => [k, 1])) } : {}) },
      );
    },

    /** Takes the one-time message, if any. */
    async takeFlash(session: ConsoleSession): Promise<FlashKey | undefined> {
      if (!session.flash) return undefined;
      await model.updateOne({ _id: session._id }, { $unset: { flash: 1 } });
      return isFlashKey(session.flash) ? session.flash : undefined;
    },

    async destroy(ctx: Context, name: ConsoleName, session: ConsoleSession | null): Promise<void> {
      if (session) await model.deleteOne({ _id: session._id });
      const cookie = cookieOf(name);
      ctx.cookies.set(cookie.name, null, { path: cookie.path });
    },

    /**
     * Ends the console sessions of a subject that came from one provider session (its sid), or
     * every one of them (after a lock, or "sign out everywhere").
     */
    async destroyAllOf(subject: string, sid?: string): Promise<void> {
      await model.deleteMany(sid ? { subject, sid } : { subject });
    },
  };
}
export type ConsoleSessions = ReturnType<typeof createConsoleSessions>;
