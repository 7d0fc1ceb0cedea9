import type { Context } from 'koa';
import type { Interaction } from 'oidc-provider';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { csrfToken, verifyCsrf } from '../http/csrf.js';
import { AppError } from '../http/errors.js';
import { renderPage } from '../http/render.js';
import { padResponse } from '../http/timing.js';
import { parseMembershipNumber } from '../members/library.js';
import { normaliseMembershipNumber } from '../members/membership-number.js';
import { clientName } from './details.js';
import { acrFor, clientOf, loginStepFor } from './otp-step-up.js';

const form = z.object({
  _csrf: z.string().optional(),
  membershipNumber: z.string().max(64).optional().default(''),
  password: z.string().max(1024).optional().default(''),
});

interface LoginView {
  membershipNumber?: string;
  error?: string;
  fieldError?: string;
  status?: number;
}

/** Step: membership number + password. */
export async function showLogin(ctx: Context, app: AppContext, interaction: Interaction, view: LoginView = {}): Promise<void> {
  const hint = typeof interaction.params.login_hint === 'string' ? normaliseMembershipNumber(interaction.params.login_hint) : '';
  await renderPage(
    ctx,
    'interaction/login',
    {
      uid: interaction.uid,
      csrf: csrfToken(ctx, interaction.uid),
      clientName: await clientName(ctx, app.provider, interaction.params.client_id),
      membershipNumber: view.membershipNumber ?? (/^\d{9}$/.test(hint) ? hint : ''),
      error: view.error,
      fieldError: view.fieldError,
    },
    view.status,
  );
}

export async function submitLogin(ctx: Context, app: AppContext, interaction: Interaction): Promise<void> {
  const body = form.safeParse(ctx.request.body ?? {});
  if (!body.success) throw new AppError('error.badRequest', { detail: 'login form shape' });
  verifyCsrf(ctx, interaction.uid, body.data._csrf);
  const client = await clientOf(app, interaction);
  if (interaction.prompt.name !== 'login' || loginStepFor(interaction, client) !== 'password') {
    throw new AppError('error.interactionExpired', { detail: 'password posted outside the password step' });
  }
  const t = ctx.state.t;
  const typed = body.data.membershipNumber;

  let membershipNumber: string;
  try {
    membershipNumber = parseMembershipNumber(typed);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return showLogin(ctx, app, interaction, { membershipNumber: typed, fieldError: t(error.key), status: 400 });
  }
  if (!body.data.password) {
    return showLogin(ctx, app, interaction, { membershipNumber, error: t('login.error.passwordRequired'), status: 400 });
  }

  const startedAt = performance.now();
  const result = await app.members.authenticateWithPassword({ membershipNumber, password: body.data.password, ip: ctx.ip });
  if (!result.ok) {
    await padResponse(startedAt, app.config.login.minResponseMs);
    await app.audit.record({
      ctx,
      type: result.reason === 'lockedOut' ? 'login.locked_out' : 'login.password',
      outcome: 'failure',
      memberId: result.memberId,
      clientId: String(interaction.params.client_id),
      detail: { reason: result.reason, membershipNumber },
    });
    const error =
      result.reason === 'lockedOut' ? t('login.error.lockedOut', { minutes: result.minutes })
      : result.reason === 'tooManyFromHere' ? t('login.error.tooManyFromHere')
      : result.reason === 'accountLocked' ? t('login.error.accountLocked')
      : t('login.error.invalid');
    const status = result.reason === 'invalid' || result.reason === 'accountLocked' ? 401 : 429;
    return showLogin(ctx, app, interaction, { membershipNumber, error, status });
  }

  const amr = ['pwd'];
  const redirectTo = await app.provider.interactionResult(
    ctx.req,
    ctx.res,
    {
      login: {
        accountId: result.member._id,
        acr: acrFor(interaction, client, amr),
        amr,
        // auth_time is left to oidc-provider's own clock, which its max_age checks use.
        remember: false,
      },
    },
    { mergeWithLastSubmission: false },
  );
  await app.audit.record({ ctx, type: 'login.password', outcome: 'success', memberId: result.member._id, clientId: String(interaction.params.client_id) });
  ctx.status = 303;
  ctx.redirect(redirectTo);
}
