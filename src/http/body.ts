import { bodyParser } from '@koa/bodyparser';
import type { Middleware } from 'koa';
import { AppError } from '../errors.js';

/**
 * Request bodies, parsed the same way on every route: a body too large is 413, an encoding we
 * do not take is 415, and anything that cannot be read as declared (a Content-Encoding that is
 * not what it says, broken JSON or form data) is a plain 400 — never a 500.
 */
function body(options: Parameters<typeof bodyParser>[0]): Middleware {
  const parse = bodyParser({ encoding: 'utf-8', ...options }) as Middleware;
  return async (ctx, next) => {
    let parsed = false;
    try {
      await parse(ctx, async () => {
        parsed = true;
      });
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 413) throw error;
      throw new AppError('error.badRequest', {
        status: status === 415 ? 415 : 400,
        detail: `unreadable request body: ${(error as Error).message}`,
      });
    }
    if (parsed) await next();
  };
}

export const formBody = (limit: string) => body({ enableTypes: ['form'], formLimit: limit });
export const jsonBody = (limit = '64kb') => body({ enableTypes: ['json'], jsonLimit: limit });
