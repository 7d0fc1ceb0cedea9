import { AsyncLocalStorage } from 'node:async_hooks';
import type { Middleware } from 'koa';

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

export function trackRequestOrigin(): Middleware {
  return (ctx, next) => storage.run({ ip: ctx.ip, userAgent: ctx.get('user-agent').slice(0, 300) || undefined }, next);
}
