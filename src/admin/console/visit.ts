import type { Context } from 'koa';
import type { Admin } from '../../admins/model.js';
import { CONSOLE_ORIGIN_HEADERS } from '../../audit/request-context.js';
import type { ConsoleSession } from '../../console/sessions.js';
import type { AppContext } from '../../context.js';
import { csrfToken, verifyCsrf } from '../../http/csrf.js';

/**
 * An admin's visit to the console: their console session (opened only by a passkey sign-in),
 * the admin record, the CSRF token, and a client for the admin API that calls this very process
 * over loopback with the session's bearer token, so every page stands on the API itself.
 */
/** The admin API's JSON as pages and templates read it (its shape is the OpenAPI document's). */
// biome-ignore lint/suspicious/noExplicitAny: JSON from our own API, read field by field by the pages
export type ApiData = Record<string, any>;

export interface ApiResult {
  status: number;
  data: ApiData;
}

export interface AdminVisit {
  session: ConsoleSession;
  admin: Admin;
  csrf: string;
  canWrite: boolean;
  api(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<ApiResult>;
}

/** The console's token expired or was revoked: sign in again (silently, if the session lives). */
export class ReauthenticationNeeded extends Error {}

export function adminReturnPath(value: unknown): string {
  return typeof value === 'string' && /^\/admin(\/[A-Za-z0-9/_-]*)?(\?[A-Za-z0-9=&%_.:+-]*)?$/.test(value)
    ? value
    : '/admin';
}

export async function adminVisit(ctx: Context, app: AppContext): Promise<AdminVisit | undefined> {
  const session = await app.consoles.sessions.load(ctx, 'admin');
  const admin = session ? await app.admins.findActiveByAccountId(session.subject) : null;
  if (!session || !admin || !session.accessToken) {
    if (session) await app.consoles.sessions.destroy(ctx, 'admin', session);
    ctx.status = 303;
    ctx.redirect(
      `/admin/login?return=${encodeURIComponent(ctx.method === 'GET' ? adminReturnPath(ctx.originalUrl) : '/admin')}`,
    );
    return undefined;
  }
  const scope = `admin:${session._id}`;
  if (ctx.method === 'POST') verifyCsrf(ctx, scope, (ctx.request.body as { _csrf?: unknown } | undefined)?._csrf);
  const consoleKey = app.hmac.digest('internal-client', 'console-origin');
  const base = app.runtime.localUrl ?? app.config.issuer;
  return {
    session,
    admin,
    csrf: csrfToken(ctx, scope),
    canWrite: admin.role === 'editor',
    async api(method, path, body) {
      const response = await fetch(`${base}/api/admin${path}`, {
        method,
        headers: {
          authorization: `Bearer ${session.accessToken}`,
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          [CONSOLE_ORIGIN_HEADERS.key]: consoleKey,
          [CONSOLE_ORIGIN_HEADERS.ip]: ctx.ip,
          [CONSOLE_ORIGIN_HEADERS.userAgent]: ctx.get('user-agent').slice(0, 300),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      if (response.status === 401) throw new ReauthenticationNeeded();
      const data = response.status === 204 ? {} : ((await response.json().catch(() => ({}))) as ApiData);
      return { status: response.status, data };
    },
  };
}
