import type Router from '@koa/router';
import type { AppContext } from '../context.js';
import { metricsEndpoint } from '../http/metrics.js';
import { renderPage, safeReturnPath } from '../http/render.js';
import { isLocale, LANG_COOKIE } from '../i18n/index.js';

/** The top page, the language switcher, the probes a load balancer uses and the metrics. */
export function registerSiteRoutes(router: Router, app: AppContext): void {
  router.get('/', async (ctx) => {
    await renderPage(ctx, 'home');
  });

  router.get('/lang/:locale', async (ctx) => {
    const locale = ctx.params.locale;
    if (isLocale(locale)) {
      ctx.cookies.set(LANG_COOKIE, locale, {
        httpOnly: true,
        sameSite: 'lax',
        maxAge: 365 * 24 * 3600 * 1000,
        overwrite: true,
      });
    }
    ctx.status = 303;
    ctx.redirect(safeReturnPath(ctx.query.return));
  });

  router.get('/healthz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });

  // Prometheus on the public port only with METRICS_TOKEN (else on METRICS_PORT, or not at all).
  if (app.config.metrics.token) router.get('/metrics', metricsEndpoint(app.metrics, app.config.metrics.token));

  router.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    if (app.runtime.draining) {
      ctx.status = 503;
      ctx.body = { status: 'draining' };
      return;
    }
    const database = await app.databaseReachable();
    ctx.status = database ? 200 : 503;
    ctx.body = { status: database ? 'ok' : 'unavailable', database: database ? 'ok' : 'unreachable' };
  });
}
