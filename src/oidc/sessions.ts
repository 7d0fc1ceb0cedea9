import type { Context } from 'koa';
import type { Connection } from 'mongoose';
import type Provider from 'oidc-provider';
import type { Clock } from '../clock.js';
import { GRANTABLE_MODELS, oidcModel } from './adapter.js';
import type { ConsoleLogout } from './backchannel.js';
import { isInternal } from './client-metadata.js';
import { SESSION_COOKIE } from './provider.js';
import { SIGN_IN_FIELD, type SignInRecord, type SignIns } from './sign-ins.js';

/**
 * A member's provider sessions (signed-in browsers) and grants (connected apps), for the member's
 * security centre, and ending them. Whenever a session ends here, every app it signed in to is
 * told through back-channel logout (backchannel.ts), as oidc-provider does on RP-initiated logout.
 */
export interface MemberSession {
  uid: string;
  signedInAt: Date;
  lastSeenAt: Date | undefined;
  userAgent: string | undefined;
  ip: string | undefined;
  amr: string[];
}

export interface ConnectedApp {
  clientId: string;
  name: string;
  scopes: string[];
  since: Date;
}

interface SessionPayload {
  uid: string;
  accountId?: string;
  loginTs?: number;
  amr?: string[];
  authorizations?: Record<string, { sid?: string; grantId?: string; persistsLogout?: boolean }>;
}

/** oidc-provider's method, sent in the background by backchannel.ts. */
type Logout = { backchannelLogout(sub: string, sid: string): Promise<void> };

export function createMemberSessions(deps: {
  connection: Connection;
  provider: Provider;
  clock: Clock;
  signIns: SignIns;
  consoleLogout: ConsoleLogout;
}) {
  const { connection, provider, clock, signIns } = deps;
  const sessions = oidcModel(connection, 'Session');
  const grants = oidcModel(connection, 'Grant');
  const live = () => ({ $gt: clock.now() });
  // A registration the provider cannot load (a stored record it now refuses) is no app to tell.
  const findClient = (clientId: string) => provider.Client.find(clientId).catch(() => undefined);
  const liveSessions = async (accountId: string) =>
    (await sessions.find({ 'payload.accountId': accountId, expiresAt: live() }).lean()).map((doc) => ({
      id: doc._id,
      payload: doc.payload as unknown as SessionPayload,
      signIn: doc[SIGN_IN_FIELD] as Partial<SignInRecord> | undefined,
    }));

  /** Logs the session out of each of its apps that asked to be told (back-channel logout). */
  async function tellApps(accountId: string, session: SessionPayload, onlyClient?: string): Promise<void> {
    for (const [clientId, authorization] of Object.entries(session.authorizations ?? {})) {
      if (onlyClient && clientId !== onlyClient) continue;
      const client = await findClient(clientId);
      if (client?.backchannelLogoutUri && authorization.sid)
        await (client as unknown as Logout).backchannelLogout(accountId, authorization.sid);
    }
  }

  async function revokeGrant(grantId: string): Promise<void> {
    for (const name of GRANTABLE_MODELS) await oidcModel(connection, name).deleteMany({ 'payload.grantId': grantId });
    await grants.deleteOne({ _id: grantId });
  }

  return {
    /** The member's live sessions, most recently used first. */
    async list(accountId: string): Promise<MemberSession[]> {
      return (await liveSessions(accountId))
        .map(({ payload, signIn: record }) => {
          return {
            uid: payload.uid,
            signedInAt: record?.signedInAt ?? new Date((payload.loginTs ?? 0) * 1000),
            lastSeenAt: record?.lastSeenAt,
            userAgent: record?.userAgent,
            ip: record?.ip,
            amr: record?.amr ?? payload.amr ?? [],
          };
        })
        .sort((a, b) => (b.lastSeenAt ?? b.signedInAt).getTime() - (a.lastSeenAt ?? a.signedInAt).getTime());
    },

    /** This browser's session is in use (My account): its last use is written now and then. */
    seen: (uid: string) => signIns.touch(uid),

    /** The uid of the provider session of this browser, if it has one. */
    async currentUid(ctx: Context): Promise<string | undefined> {
      const id = ctx.cookies.get(SESSION_COOKIE, { signed: true });
      if (!id || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) return undefined;
      const doc = await sessions.findOne({ _id: id, expiresAt: live() }).lean();
      return (doc?.payload as SessionPayload | undefined)?.uid;
    },

    /**
     * Signs one session out, as RP-initiated logout does: its apps are told, the grants that do
     * not outlive a logout are revoked (refresh tokens of offline access stay), the session ends.
     */
    async end(accountId: string, uid: string): Promise<boolean> {
      const session = (await liveSessions(accountId)).find((s) => s.payload.uid === uid);
      if (!session) return false;
      await tellApps(accountId, session.payload);
      for (const authorization of Object.values(session.payload.authorizations ?? {}))
        if (authorization.grantId && !authorization.persistsLogout) await revokeGrant(authorization.grantId);
      await sessions.deleteOne({ _id: session.id });
      return true;
    },

    /** Ends every session of the account (its apps told) and every console session; how many sessions. */
    async endAll(accountId: string): Promise<number> {
      for (const session of await liveSessions(accountId)) await tellApps(accountId, session.payload);
      const { deletedCount } = await sessions.deleteMany({ 'payload.accountId': accountId });
      await deps.consoleLogout(accountId);
      return deletedCount;
    },

    /** The apps the member has allowed (grants), without the provider's own consoles. */
    async apps(accountId: string): Promise<ConnectedApp[]> {
      const found = await grants.find({ 'payload.accountId': accountId, expiresAt: live() }).lean();
      const byClient = new Map<string, { scopes: Set<string>; since: number }>();
      for (const { payload } of found) {
        const entry = byClient.get(String(payload.clientId)) ?? { scopes: new Set<string>(), since: Infinity };
        const scope = (payload.openid as { scope?: string } | undefined)?.scope ?? '';
        for (const value of scope.split(' ').filter(Boolean)) entry.scopes.add(value);
        entry.since = Math.min(entry.since, Number(payload.iat ?? 0));
        byClient.set(String(payload.clientId), entry);
      }
      const apps: ConnectedApp[] = [];
      for (const [clientId, entry] of byClient) {
        const client = await findClient(clientId);
        if (!client || isInternal(client)) continue;
        const name = (client.clientName as string | undefined) ?? clientId;
        apps.push({ clientId, name, scopes: [...entry.scopes], since: new Date(entry.since * 1000) });
      }
      return apps.sort((a, b) => a.name.localeCompare(b.name));
    },

    /** Revokes the app's grants and tokens for the member; the app's sessions are told. */
    async removeApp(accountId: string, clientId: string): Promise<boolean> {
      const owned = { 'payload.accountId': accountId, 'payload.clientId': clientId };
      const { deletedCount } = await grants.deleteMany(owned);
      if (!deletedCount) return false;
      for (const name of GRANTABLE_MODELS) await oidcModel(connection, name).deleteMany(owned);
      for (const session of await liveSessions(accountId)) {
        if (!session.payload.authorizations?.[clientId]) continue;
        await tellApps(accountId, session.payload, clientId);
        await sessions.updateOne({ _id: session.id }, { $unset: { [`payload.authorizations.${clientId}`]: 1 } });
      }
      return true;
    },
  };
}
export type MemberSessions = ReturnType<typeof createMemberSessions>;
