import type { Context } from 'koa';
import type { Interaction } from 'oidc-provider';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { csrfToken, verifyCsrf } from '../http/csrf.js';
import { AppError } from '../http/errors.js';
import { renderPage } from '../http/render.js';
import { clientName } from './details.js';

const KNOWN_SCOPES = ['openid', 'profile', 'email', 'phone', 'membership', 'offline_access'];

/** Step: the member allows a third-party app to see what it asked for. */
export async function showConsent(ctx: Context, app: AppContext, interaction: Interaction): Promise<void> {
  const requested = String(interaction.params.scope ?? '').split(' ');
  const member = interaction.session ? await app.members.findById(interaction.session.accountId) : null;
  if (!member) throw new AppError('error.interactionExpired', { detail: 'consent without a signed-in member' });
  await renderPage(ctx, 'interaction/consent', {
    uid: interaction.uid,
    csrf: csrfToken(ctx, interaction.uid),
    clientName: await clientName(ctx, app.provider, interaction.params.client_id),
    scopes: KNOWN_SCOPES.filter((scope) => requested.includes(scope)),
    membershipNumber: member.membershipNumber,
  });
}

const form = z.object({ _csrf: z.string().optional() });

export async function submitConsent(ctx: Context, app: AppContext, interaction: Interaction): Promise<void> {
  const body = form.safeParse(ctx.request.body ?? {});
  verifyCsrf(ctx, interaction.uid, body.success ? body.data._csrf : undefined);
  if (interaction.prompt.name !== 'consent' || !interaction.session) {
    throw new AppError('error.interactionExpired', { detail: 'consent posted outside the consent prompt' });
  }
  const details = interaction.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  const { Grant } = app.provider;
  const grant = interaction.grantId
    ? await Grant.find(interaction.grantId)
    : new Grant({ accountId: interaction.session.accountId, clientId: String(interaction.params.client_id) });
  if (!grant) throw new AppError('error.interactionExpired', { detail: 'grant vanished during consent' });
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  const redirectTo = await app.provider.interactionResult(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  ctx.status = 303;
  ctx.redirect(redirectTo);
}

/** "Cancel" / "Do not allow": the relying app receives access_denied (RFC 6749 4.1.2.1). */
export async function abortInteraction(ctx: Context, app: AppContext, interaction: Interaction): Promise<void> {
  const body = form.safeParse(ctx.request.body ?? {});
  verifyCsrf(ctx, interaction.uid, body.success ? body.data._csrf : undefined);
  const redirectTo = await app.provider.interactionResult(
    ctx.req,
    ctx.res,
    { error: 'access_denied', error_description: 'The member cancelled the sign-in.' },
    { mergeWithLastSubmission: false },
  );
  ctx.status = 303;
  ctx.redirect(redirectTo);
}
