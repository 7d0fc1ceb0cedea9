import type { Context } from 'koa';
import type { Client, Interaction } from 'oidc-provider';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { csrfToken, verifyCsrf } from '../http/csrf.js';
import { AppError } from '../http/errors.js';
import type { Member } from '../members/model.js';
import { ACR, chooseAcr, satisfies } from '../oidc/acr.js';
import { ACR_CHECK, acrRequirement, isAdminConsole } from '../oidc/policy.js';
import { destinationFor } from '../otp/destination.js';
import { issueRequestFor } from '../otp/library.js';
import { otpErrorMessage, renderCodePage } from '../otp/view.js';
import { clientName } from './details.js';

/**
 * Step: a one-time password on top of the member's login, when a relying app asked for the OTP
 * level (acr_values) and the session does not have it. The code goes to the member's
 * notification destination and is bound to this interaction.
 */
export type LoginStep = 'password' | 'otp' | 'passkey' | 'admin' | 'unavailable';

/**
 * Which step the login prompt needs. The admin console has its own (an admin's passkey). A new
 * login starts with the password page (which also offers passkeys), or the passkey page when the
 * app requires or prefers that level; an existing session is asked only for what it lacks: the
 * app's minimum level first, then its first preference.
 */
export function loginStepFor(interaction: Interaction, client: Client | undefined): LoginStep {
  if (isAdminConsole(client)) return 'admin';
  const requirement = acrRequirement(interaction.params as Record<string, unknown>, client);
  const order = [...requirement.required, ...requirement.anyOf];
  const newLogin = !interaction.session?.accountId || interaction.prompt.reasons.some((reason) => reason !== ACR_CHECK);
  if (newLogin) return order[0] === ACR.passkey ? 'passkey' : 'password';
  const amr = interaction.session?.amr ?? [];
  const next = requirement.required.find((value) => !satisfies(value, amr)) ?? requirement.anyOf[0];
  if (next === ACR.otp) return 'otp';
  if (next === ACR.passkey) return 'passkey';
  if (next === ACR.password) return 'password';
  return 'unavailable';
}

/**
 * The acr to report for a login in this interaction: one the app asked for in acr_values if the
 * login meets it (OIDC Core 3.1.2.1), else the app's minimum level, else the strongest reached.
 */
export function acrFor(interaction: Interaction, client: Client | undefined, amr: readonly string[]): string {
  const requirement = acrRequirement(interaction.params as Record<string, unknown>, client);
  return chooseAcr([...requirement.anyOf, ...requirement.required], amr);
}

export function clientOf(app: AppContext, interaction: Interaction): Promise<Client | undefined> {
  return app.provider.Client.find(String(interaction.params.client_id));
}

async function memberOf(app: AppContext, interaction: Interaction): Promise<Member> {
  const member = interaction.session ? await app.members.findById(interaction.session.accountId) : null;
  if (!member || member.status !== 'active') throw new AppError('error.interactionExpired', { detail: 'step-up without an active member' });
  return member;
}

export async function showStepUp(ctx: Context, app: AppContext, interaction: Interaction, view: { error?: string; status?: number } = {}): Promise<void> {
  const member = await memberOf(app, interaction);
  const t = ctx.state.t;
  const uid = interaction.uid;
  const common = {
    heading: t('otp.title'),
    intro: t('otp.stepUp.intro', { client: await clientName(ctx, app.provider, interaction.params.client_id) }),
    csrf: csrfToken(ctx, uid),
    sendAction: `/interaction/${uid}/otp/send`,
    verifyAction: `/interaction/${uid}/otp/verify`,
    cancel: { action: `/interaction/${uid}/abort`, label: t('common.cancel') },
    error: view.error,
    status: view.status,
  };
  const live = await app.otp.status(member._id, 'step-up', uid);
  if (live) return renderCodePage(ctx, app.config, { ...common, code: live });
  const destination = destinationFor(member, 'step-up', app.config);
  if (!destination.ok) {
    return renderCodePage(ctx, app.config, { ...common, code: { channel: 'email', maskedDestination: '' }, blocked: true, error: t('otp.error.noDestination'), status: 409 });
  }
  return renderCodePage(ctx, app.config, { ...common, code: { channel: destination.channel, maskedDestination: '' }, preview: destination });
}

const form = z.object({ _csrf: z.string().optional(), code: z.string().max(64).optional() });

async function stepUpOnly(app: AppContext, interaction: Interaction): Promise<void> {
  if (interaction.prompt.name !== 'login' || loginStepFor(interaction, await clientOf(app, interaction)) !== 'otp') {
    throw new AppError('error.interactionExpired', { detail: 'one-time password posted outside the step-up' });
  }
}

export async function sendStepUpCode(ctx: Context, app: AppContext, interaction: Interaction): Promise<void> {
  const body = form.safeParse(ctx.request.body ?? {});
  verifyCsrf(ctx, interaction.uid, body.success ? body.data._csrf : undefined);
  await stepUpOnly(app, interaction);
  const member = await memberOf(app, interaction);
  const destination = destinationFor(member, 'step-up', app.config);
  if (!destination.ok) return showStepUp(ctx, app, interaction);
  const result = await app.otp.issue(
    issueRequestFor(member, { purpose: 'step-up', binding: interaction.uid, channel: destination.channel, destination: destination.destination, locale: ctx.state.locale, ip: ctx.ip }),
  );
  if (!result.ok) {
    const { message, status } = otpErrorMessage(ctx.state.t, result);
    return showStepUp(ctx, app, interaction, { error: message, status });
  }
  ctx.status = 303;
  ctx.redirect(`/interaction/${interaction.uid}`);
}

export async function verifyStepUpCode(ctx: Context, app: AppContext, interaction: Interaction): Promise<void> {
  const body = form.safeParse(ctx.request.body ?? {});
  verifyCsrf(ctx, interaction.uid, body.success ? body.data._csrf : undefined);
  await stepUpOnly(app, interaction);
  const member = await memberOf(app, interaction);
  const result = await app.otp.verify({ memberId: member._id, purpose: 'step-up', binding: interaction.uid, code: body.success ? body.data.code : undefined, ip: ctx.ip });
  if (!result.ok) {
    const { message, status } = otpErrorMessage(ctx.state.t, result);
    return showStepUp(ctx, app, interaction, { error: message, status });
  }
  const previous = interaction.session?.amr ?? [];
  const primary = previous.filter((method) => method !== 'otp' && method !== 'sms' && method !== 'mfa');
  // RFC 8176: otp, plus sms when it came by text message; mfa when it adds to another factor.
  const amr = [...new Set([...primary, 'otp', ...(result.channel === 'sms' ? ['sms'] : []), ...(primary.length > 0 ? ['mfa'] : [])])];
  const redirectTo = await app.provider.interactionResult(
    ctx.req,
    ctx.res,
    { login: { accountId: member._id, acr: acrFor(interaction, await clientOf(app, interaction), amr), amr, remember: false } },
    { mergeWithLastSubmission: false },
  );
  ctx.status = 303;
  ctx.redirect(redirectTo);
}
