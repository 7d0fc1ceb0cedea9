import { join } from 'node:path';
import ejs from 'ejs';
import type { Context, Middleware } from 'koa';
import { LANG_COOKIE, type Locale, negotiateLocale, translator } from '../i18n/index.js';
import { formatPhone } from '../members/phone.js';
import { viewsDir } from '../paths.js';
import { contentSecurityPolicy, cspNonce } from './security-headers.js';

declare module 'koa' {
  interface DefaultState {
    locale: Locale;
    t: ReturnType<typeof translator>;
    /** Made when a page is rendered (renderPage). */
    cspNonce?: string;
    /** Where the language switcher brings the member back to. */
    returnTo: string;
  }
}

/** Whether this app keeps compiled templates (set on each request's context by pages()). */
const CACHE_TEMPLATES = Symbol('cache templates');

/**
 * The locale every page is rendered in. Compiled templates are kept in production (no file is
 * looked at again, not even to stat it); in development every render reads the file.
 */
export function pages(options: { cache: boolean }): Middleware[] {
  return [
    async (ctx, next) => {
      (ctx as unknown as Record<symbol, boolean>)[CACHE_TEMPLATES] = options.cache;
      setLocale(
        ctx,
        negotiateLocale({ cookie: ctx.cookies.get(LANG_COOKIE), acceptLanguage: ctx.get('accept-language') }),
      );
      ctx.state.returnTo = ctx.method === 'GET' ? ctx.originalUrl : '/';
      await next();
    },
  ];
}

export function setLocale(ctx: Context, locale: Locale): void {
  ctx.state.locale = locale;
  ctx.state.t = translator(locale);
}

/** Renders one of our templates with the headers every page of ours carries. */
export async function renderPage(
  ctx: Context,
  view: string,
  locals: Record<string, unknown> = {},
  status = 200,
): Promise<void> {
  ctx.state.cspNonce ??= cspNonce();
  ctx.set('Content-Security-Policy', contentSecurityPolicy(ctx.state.cspNonce));
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Content-Language', ctx.state.locale);
  const data = {
    ...ctx.state,
    error: undefined,
    notice: undefined,
    formatPhone,
    countryName: (code: string) => countryName(ctx.state.locale, code),
    ...locals,
  };
  ctx.body = await ejs.renderFile(join(viewsDir, `${view}.ejs`), data, {
    cache: (ctx as unknown as Record<symbol, boolean>)[CACHE_TEMPLATES] === true,
    async: false,
  });
  ctx.type = 'text/html';
  ctx.status = status;
}

/** Only same-site relative paths are followed after switching language (no open redirect). */
export function safeReturnPath(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return '/';
  return value.slice(0, 2048);
}

const countryNames = new Map<string, Intl.DisplayNames>();
/** "JP" → 日本 / Japan */
export function countryName(locale: Locale, code: string): string {
  let names = countryNames.get(locale);
  if (!names) {
    names = new Intl.DisplayNames([locale], { type: 'region' });
    countryNames.set(locale, names);
  }
  try {
    return names.of(code) ?? code;
  } catch {
    return code;
  }
}
