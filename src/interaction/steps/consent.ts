import type { Context } from 'koa';
import { MEMBER_SCOPES } from '../../clients/kinds.js';
import type { AppContext } from '../../context.js';
import { AppError } from '../../errors.js';
import { renderPage } from '../../http/render.js';
import { activeMember, pageBasics, type SignInState, type Step, seeOther } from '../step.js';

/** Step: the member allows a third-party app to see what it asked for. */
async function show(ctx: Context, _app: AppContext, state: SignInState): Promise<void> {
  const member = await activeMember(state);
  const requested = String(state.interaction.params.scope ?? '').split(' ');
  await renderPage(ctx, 'interaction/consent', {
    ...pageBasics(ctx, state),
    scopes: MEMBER_SCOPES.filter((scope) => requested.includes(scope)),
    membershipNumber: member.membershipNumber,
  });
}

async function confirm(ctx: Context, app: AppContext, state: SignInState): Promise<void> {
  const { interaction } = state;
  if (!interaction.session) throw new AppError('error.interactionExpired', { detail: 'consent without a session' });
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
  seeOther(
    ctx,
    await app.provider.interactionResult(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true }),
  );
}

export const consentStep: Step = {
  name: 'consent',
  when: (state) => state.prompt === 'consent',
  show,
  routes: [{ method: 'post', path: '/confirm', handler: confirm }],
};
