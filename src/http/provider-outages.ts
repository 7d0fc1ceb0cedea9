import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import { isDatabaseUnavailable } from '../db/errors.js';
import type { Logger } from '../log.js';
import { logUnavailable, RETRY_AFTER_SECONDS } from './error-handler.js';

declare module 'koa' {
  interface DefaultState {
    /** What oidc-provider turned into a server_error on this request. */
    providerFailure?: unknown;
  }
}

/**
 * oidc-provider answers anything its storage throws as a 500 server_error. A database outage is
 * no fault of the relying app or the member: its pages are rendered as our 503 page by renderError
 * (provider-pages.ts), and its JSON answers (/token, /me, /reg, introspection…) become a 503
 * temporarily_unavailable here. Placed in front of the protocol endpoints; the provider runs on our
 * context (mounted at /), so its server_error event and this middleware see the same ctx.
 */
export function providerOutages(provider: Provider, logger: Logger): Middleware {
  provider.on('server_error', (ctx, error) => {
    (ctx as unknown as Context).state.providerFailure = error;
    if (isDatabaseUnavailable(error)) logUnavailable(logger, ctx as unknown as Context, error);
    else logger.error({ err: error }, 'oidc-provider server error');
  });
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      // Our own middleware in front of the provider (registrationSecrets): answered like the provider would.
      if (isDatabaseUnavailable(error) && ctx.accepts('json', 'html') !== 'html') ctx.state.api = true;
      throw error;
    }
    if (ctx.status !== 500 || !isDatabaseUnavailable(ctx.state.providerFailure)) return;
    ctx.status = 503;
    ctx.remove('WWW-Authenticate');
    ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { error: 'temporarily_unavailable', error_description: ctx.state.t('error.unavailable') };
  };
}
