import type Router from '@koa/router';
import type { Context } from 'koa';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { renderPage } from '../http/render.js';
import type { MessageKey } from '../i18n/index.js';
import type { ConsoleLogin } from './relying-party.js';
import type { ConsoleName } from './sessions.js';

/**
 * A console's sign-in through this provider: /{console}/login starts it, /{console}/callback
 * completes it, checks who signed in (`accept` throws an AppError to refuse), and opens the
 * console session. A sign-in that cannot complete gets a page with a way to try again.
 */
export function registerConsoleSignIn(
  router: Router,
  app: AppContext,
  console: {
    name: ConsoleName;
    returnPath(value: unknown): string;
    againLabel: MessageKey;
    /** The console session's subject for this sign-in, or an AppError. */
    accept(login: ConsoleLogin): Promise<string>;
  },
): void {
  const rp = console.name === 'account' ? app.consoles.accountRp : app.consoles.adminRp;
  const base = `/${console.name}`;

  router.get(`${base}/login`, async (ctx) => {
    await rp.start(ctx, { returnTo: console.returnPath(ctx.query.return) });
  });

  router.get(`${base}/callback`, async (ctx: Context) => {
    let login: ConsoleLogin;
    try {
      login = await rp.finish(ctx);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      app.logger.info({ console: console.name, detail: error.detail }, 'console sign-in not completed');
      const t = ctx.state.t;
      return renderPage(
        ctx,
        'error',
        { message: t(error.key), reference: undefined, backUrl: `${base}/login`, backLabel: t(console.againLabel) },
        error.status,
      );
    }
    const subject = await console.accept(login);
    const sessions = app.consoles.sessions;
    await sessions.destroy(ctx, console.name, await sessions.load(ctx, console.name));
    await sessions.create(ctx, console.name, {
      subject,
      idToken: login.idToken,
      sid: typeof login.claims.sid === 'string' ? login.claims.sid : undefined,
      ...(console.name === 'admin' ? { accessToken: login.accessToken } : {}),
    });
    ctx.status = 303;
    ctx.redirect(login.returnTo);
  });
}
