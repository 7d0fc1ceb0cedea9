import { AsyncLocalStorage } from 'node:async_hooks';
import type { Middleware } from 'koa';
import { sameSecret } from '../security/hmac.js';

/**
 * Where the current request came from, for the audit trail: libraries record events without
 * knowing about HTTP, and every event still carries the IP address and user agent.
 */
interface RequestOrigin {
  ip: string;
  userAgent: string | undefined;
}

const storage = new AsyncLocalStorage<RequestOrigin>();

export function currentRequestOrigin(): RequestOrigin | undefined {
  return storage.getStore();
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * The admin console calls the admin API over loopback on the admin's behalf; it passes the
 * admin's own address and browser along, proven by a key only this deployment knows, so the
 * audit trail names the admin's origin rather than 127.0.0.1.
 */
export const CONSOLE_ORIGIN_HEADERS = {
  key: 'x-console-key',
  ip: 'x-console-client-ip',
  userAgent: 'x-console-user-agent',
} as const;

export function trackRequestOrigin(consoleKey: string): Middleware {
  return (ctx, next) => {
    let origin: RequestOrigin = { ip: ctx.ip, userAgent: ctx.get('user-agent').slice(0, 300) || undefined };
    const key = ctx.get(CONSOLE_ORIGIN_HEADERS.key);
    if (key && sameSecret(key, consoleKey) && LOOPBACK.has(ctx.req.socket.remoteAddress ?? '')) {
      origin = {
        ip: ctx.get(CONSOLE_ORIGIN_HEADERS.ip).slice(0, 64) || origin.ip,
        userAgent: ctx.get(CONSOLE_ORIGIN_HEADERS.userAgent).slice(0, 300) || origin.userAgent,
      };
    }
    return storage.run(origin, next);
  };
}
