import type { Context } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { isDatabaseUnavailable } from '../db/errors.js';
import { LANG_COOKIE, negotiateLocale } from '../i18n/index.js';
import { renderUnavailable } from './error-handler.js';
import { renderPage, setLocale } from './render.js';

/**
 * oidc-provider's own pages (errors it cannot redirect, RP-initiated logout) rendered with our
 * templates, in the member's language. oidc-provider is mounted at / inside our Koa app, so
 * ctx here is our context: renderPage and the CSP nonce are available.
 */
function localise(ctx: KoaContextWithOIDC): void {
  // From the query too: a failure may come before oidc-provider has read the request's parameters.
  const uiLocales = ctx.oidc?.params?.ui_locales ?? ctx.query.ui_locales;
  setLocale(
    ctx as unknown as Context,
    negotiateLocale({
      cookie: ctx.cookies.get(LANG_COOKIE),
      uiLocales: typeof uiLocales === 'string' ? uiLocales : undefined,
      acceptLanguage: ctx.get('accept-language'),
    }),
  );
}

export async function renderError(
  ctx: KoaContextWithOIDC,
  out: { error: string; error_description?: string },
  error: Error,
): Promise<void> {
  localise(ctx);
  if (isDatabaseUnavailable(error)) return renderUnavailable(ctx as unknown as Context);
  const t = (ctx as unknown as Context).state.t;
  const expired =
    error.name === 'SessionNotFound' ||
    (error.name === 'InvalidRequest' && /interaction/i.test(out.error_description ?? ''));
  // A fault of ours is not "an invalid request from the application".
  const ours = out.error === 'server_error';
  const message = expired
    ? t('error.interactionExpired')
    : ours
      ? t('error.generic')
      : t('error.oauth', { code: out.error });
  await renderPage(
    ctx as unknown as Context,
    'error',
    {
      message,
      detail: expired || ours ? undefined : out.error_description,
      reference: undefined,
      backUrl: '/',
      backLabel: t('common.home'),
    },
    ctx.status,
  );
}

export async function logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  localise(ctx);
  const client = ctx.oidc.client;
  await renderPage(ctx as unknown as Context, 'logout', {
    form,
    clientName: client ? (client.clientName ?? client.clientId) : undefined,
  });
}

export async function postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
  localise(ctx);
  await renderPage(ctx as unknown as Context, 'logout-done', {});
}
