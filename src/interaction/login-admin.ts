import type { Context } from 'koa';
import type { Interaction } from 'oidc-provider';
import { adminAccountId } from '../admin/library.js';
import type { AppContext } from '../context.js';
import { csrfToken, verifyCsrf } from '../http/csrf.js';
import { AppError } from '../http/errors.js';
import { renderPage } from '../http/render.js';
import { ACR } from '../oidc/acr.js';
import { jsonError, jsonOk, parseAuthentication } from '../passkeys/http.js';
import { clientOf, loginStepFor } from './otp-step-up.js';

/**
 * Step: an admin signs in to the admin console, with a passkey only (phishing-resistant). The
 * admins' passkeys are a realm of their own: a member's passkey can never open the console.
 */
async function adminStep(app: AppContext, interaction: Interaction): Promise<void> {
  if (interaction.prompt.name !== 'login' || loginStepFor(interaction, await clientOf(app, interaction)) !== 'admin') {
    throw new AppError('error.interactionExpired', { detail: 'admin sign-in outside the admin console' });
  }
}

export async function showAdminLogin(ctx: Context, app: AppContext, interaction: Interaction): Promise<void> {
  await adminStep(app, interaction);
  await renderPage(ctx, 'interaction/admin-login', { uid: interaction.uid, csrf: csrfToken(ctx, interaction.uid) });
}

/** POST /interaction/:uid/admin/options (JSON): a discoverable passkey, nothing to type. */
export async function adminPasskeyOptions(ctx: Context, app: AppContext, interaction: Interaction): Promise<void> {
  verifyCsrf(ctx, interaction.uid, ctx.get('x-csrf-token'));
  await adminStep(app, interaction);
  const limit = await app.limiter.hit(`passkey-options:${app.hmac.digest('rate-limit', ctx.ip)}`, app.config.passkey.optionsPerIpPerHour, 3600);
  if (!limit.allowed) return jsonError(ctx, 429, 'passkey.error.tooMany');
  jsonOk(ctx, await app.adminPasskeys.authenticationOptions({ binding: interaction.uid }));
}

/** POST /interaction/:uid/admin/verify (JSON) */
export async function adminPasskeyVerify(ctx: Context, app: AppContext, interaction: Interaction): Promise<void> {
  verifyCsrf(ctx, interaction.uid, ctx.get('x-csrf-token'));
  await adminStep(app, interaction);
  const result = await app.adminPasskeys.authenticate({ binding: interaction.uid, response: parseAuthentication(ctx) });
  if (!result.ok) return jsonError(ctx, 400, 'admin.login.failed');
  const admin = await app.admins.findById(result.owner.id);
  if (!admin || admin.status !== 'active') return jsonError(ctx, 400, 'admin.login.failed');
  const resume = await app.provider.interactionResult(
    ctx.req,
    ctx.res,
    { login: { accountId: adminAccountId(admin), acr: ACR.passkey, amr: result.amr, remember: false } },
    { mergeWithLastSubmission: false },
  );
  jsonOk(ctx, { redirect: resume, signals: result.signals });
}
