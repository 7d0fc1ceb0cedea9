import { randomUUID } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { isDatabaseUnavailable } from '../db/errors.js';
import { AppError, BusyError } from '../errors.js';
import type { MessageKey } from '../i18n/index.js';
import type { Logger } from '../log.js';
import { renderPage, safeReturnPath } from './render.js';

interface Described {
  status: number;
  key: MessageKey;
  params?: Record<string, string | number> | undefined;
  oauthError: string;
  expected: boolean;
}

/** What a member or client is told to wait before retrying while the database is unreachable. */
export const RETRY_AFTER_SECONDS = 10;

const UNAVAILABLE: Described = {
  status: 503,
  key: 'error.unavailable',
  oauthError: 'temporarily_unavailable',
  expected: true,
};

/** Maps anything thrown to what the member or the API client may see. */
function describe(error: unknown): Described {
  if (error instanceof AppError) {
    return {
      status: error.status,
      key: error.key,
      params: error.params,
      oauthError: error.oauthError,
      expected: error.status < 500,
    };
  }
  if (isDatabaseUnavailable(error) || error instanceof BusyError) return UNAVAILABLE;
  const e = error as { status?: number; statusCode?: number; type?: string; name?: string; expose?: boolean };
  const status = e.status ?? e.statusCode ?? 500;
  // oidc-provider's interactionDetails: no interaction cookie, or the interaction expired.
  if (e.name === 'SessionNotFound')
    return { status: 400, key: 'error.interactionExpired', oauthError: 'invalid_request', expected: true };
  if (status === 413 || e.type === 'entity.too.large')
    return { status: 413, key: 'error.tooLarge', oauthError: 'invalid_request', expected: true };
  if (status === 404) return { status: 404, key: 'error.notFound', oauthError: 'not_found', expected: true };
  if (status === 429) return { status: 429, key: 'error.rateLimited', oauthError: 'slow_down', expected: true };
  if (status >= 400 && status < 500 && e.expose !== false)
    return { status, key: 'error.badRequest', oauthError: 'invalid_request', expected: true };
  return { status: 500, key: 'error.generic', oauthError: 'server_error', expected: false };
}

export function wantsJson(ctx: Context): boolean {
  return ctx.path.startsWith('/api/') || ctx.state.api === true;
}

/** Paths as they may be logged: one-time enrolment and recovery links are secrets. */
const loggablePath = (path: string) => path.replace(/^\/(admin\/enrol|recover)\/[^/]+/, '/$1/[token]');

/** The localised "temporarily unavailable, try again" page (also for oidc-provider's own errors). */
export async function renderUnavailable(ctx: Context): Promise<void> {
  ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
  const t = ctx.state.t;
  // A GET is safe to repeat as it was (an authorization request, a page); anything else starts over.
  const retry =
    ctx.method === 'GET'
      ? { backUrl: safeReturnPath(ctx.originalUrl), backLabel: t('common.retry') }
      : { backUrl: '/', backLabel: t('common.home') };
  await renderPage(
    ctx,
    'error',
    { title: t('error.unavailableTitle'), message: t('error.unavailable'), reference: undefined, ...retry },
    503,
  );
}

export function logUnavailable(logger: Logger, ctx: Context, error: unknown): void {
  const { name, message } = error as Error;
  const why = error instanceof BusyError ? 'instance too busy' : 'database unavailable';
  logger.warn({ path: loggablePath(ctx.path), error: name, detail: message }, why);
}

export function errorHandler(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw Object.assign(new Error('not found'), { status: 404 });
    } catch (error) {
      const described = describe(error);
      const reference = described.expected ? undefined : randomUUID();
      if (described === UNAVAILABLE) logUnavailable(logger, ctx, error);
      else if (described.expected) {
        logger.info(
          {
            path: loggablePath(ctx.path),
            status: described.status,
            key: described.key,
            detail: (error as Error).message,
          },
          'request refused',
        );
      } else {
        logger.error({ err: error, path: loggablePath(ctx.path), reference }, 'unhandled error');
      }
      const message = ctx.state.t(described.key, described.params);
      ctx.status = described.status;
      if (wantsJson(ctx)) {
        ctx.set('Cache-Control', 'no-store');
        if (described === UNAVAILABLE) ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
        ctx.body = { error: described.oauthError, error_description: message };
        return;
      }
      if (described === UNAVAILABLE) return renderUnavailable(ctx);
      await renderPage(
        ctx,
        'error',
        { message, reference, backUrl: '/', backLabel: ctx.state.t('common.home') },
        described.status,
      );
    }
  };
}
