import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Client, Interaction } from 'oidc-provider';
import { AppError } from '../errors.js';
import { setLocale } from '../http/render.js';
import { LANG_COOKIE, negotiateLocale } from '../i18n/index.js';
import { isInternal } from '../oidc/client-metadata.js';

/** The form of an interaction uid (oidc-provider's ids). */
export const UID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Loads the interaction behind /interaction/:uid. The interaction cookie is path-scoped to its
 * uid, so a uid from another tab, a stale bookmark or a forged URL all end here as "expired".
 * Pages are rendered in the language the relying app asked for (ui_locales) unless the member
 * chose one with the switcher.
 */
export async function loadInteraction(ctx: Context, provider: Provider): Promise<Interaction> {
  const uid = String(ctx.params.uid ?? '');
  if (!UID.test(uid)) throw new AppError('error.interactionExpired', { detail: 'malformed interaction uid' });
  const interaction = await provider.interactionDetails(ctx.req, ctx.res);
  if (interaction.uid !== uid)
    throw new AppError('error.interactionExpired', { detail: 'interaction uid does not match its cookie' });
  const uiLocales = typeof interaction.params.ui_locales === 'string' ? interaction.params.ui_locales : undefined;
  setLocale(
    ctx,
    negotiateLocale({ cookie: ctx.cookies.get(LANG_COOKIE), uiLocales, acceptLanguage: ctx.get('accept-language') }),
  );
  ctx.state.returnTo = `/interaction/${uid}`;
  return interaction;
}

/** The name a relying app is shown under on our pages (our own consoles in the page's language). */
export function clientName(ctx: Context, client: Client | undefined, clientId: unknown): string {
  if (isInternal(client)) return ctx.state.t('account.clientName');
  return (client?.clientName as string | undefined) ?? String(clientId ?? '');
}
