import type { Context, Middleware } from 'koa';
import views from 'koa-views';
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

/**
 * Installs ctx.render (ejs through koa-views) and the locale every page is rendered in.
 * Compiled templates are cached in production; in development every render reads the file.
 */
export function pages(options: { cache: boolean }): Middleware[] {
  return [
    views(viewsDir, { extension: 'ejs', options: { cache: options.cache } }) as unknown as Middleware,
    async (ctx, next) => {
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
  await ctx.render(view, {
    error: undefined,
    notice: undefined,
    formatPhone,
    countryName: (code: string) => countryName(ctx.state.locale, code),
    ...locals,
  });
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
