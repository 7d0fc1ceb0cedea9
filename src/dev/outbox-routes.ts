import type Router from '@koa/router';
import type { AppContext } from '../context.js';
import { renderPage } from '../http/render.js';

/**
 * Development only: the last messages the outbox transport "sent", so a newcomer can read a
 * one-time password without an SMS account or a mail server. Never registered in production
 * (the outbox transports are refused there).
 */
export function registerOutboxRoutes(router: Router, app: AppContext): void {
  const outbox = app.messenger.outbox;
  if (!outbox || app.config.env === 'production') return;
  router.get('/dev/outbox', async (ctx) => {
    await renderPage(ctx, 'dev/outbox', { messages: await outbox.recent(50), file: outbox.file, wide: true });
  });
}
