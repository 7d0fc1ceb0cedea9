import type { Context } from 'koa';
import type { Interaction } from 'oidc-provider';
import type { AppContext } from '../context.js';
import { csrfToken, verifyCsrf } from '../http/csrf.js';
import { AppError } from '../http/errors.js';
import { renderPage } from '../http/render.js';
import { formatJst } from '../i18n/index.js';
import { parseMembershipNumber } from '../members/library.js';
import type { Member } from '../members/model.js';
import { destinationFor } from '../otp/destination.js';
import { issueRequestFor } from '../otp/library.js';
import { otpErrorMessage, renderCodePage } from '../otp/view.js';
import { jsonError, jsonOk, parseAuthentication, parseRegistration } from '../passkeys/http.js';
import { memberAsOwner } from '../passkeys/library.js';
import { clientName } from './details.js';
import { acrFor, clientOf, loginStepFor } from './otp-step-up.js';

/**
 * Step: sign in with a passkey (seed 000). "Login with passkey" → membership number → the
 * device's biometric or PIN check; or a discoverable passkey (autofill or a button); or a phone's
 * passkey through the 2D barcode. After a sign-in from another device, the member is offered a
 * passkey on this one (after the SMS code the seed requires for every registration).
 */
const pageUrl = (uid: string) => `/interaction/${uid}/passkey`;

async function passkeyLoginAllowed(app: AppContext, interaction: Interaction): Promise<boolean> {
  const step = loginStepFor(interaction, await clientOf(app, interaction));
  return interaction.prompt.name === 'login' && !interaction.result?.login && (step === 'password' || step === 'passkey');
}

function ceremonyTexts(ctx: Context) {
  const t = ctx.state.t;
  return { cancelled: t('passkey.error.cancelled'), failed: t('passkey.error.failed') };
}

export async function showPasskeyLogin(ctx: Context, app: AppContext, interaction: Interaction): Promise<void> {
  if (!(await passkeyLoginAllowed(app, interaction))) throw new AppError('error.interactionExpired', { detail: 'passkey page outside the login step' });
  await renderPage(ctx, 'interaction/passkey', {
    uid: interaction.uid,
    csrf: csrfToken(ctx, interaction.uid),
    clientName: await clientName(ctx, app.provider, interaction.params.client_id),
    texts: ceremonyTexts(ctx),
  });
}

/** POST /interaction/:uid/passkey/options (JSON) */
export async function passkeyOptions(ctx: Context, app: AppContext, interaction: Interaction): Promise<void> {
  verifyCsrf(ctx, interaction.uid, ctx.get('x-csrf-token'));
  if (!(await passkeyLoginAllowed(app, interaction))) return jsonError(ctx, 400, 'error.interactionExpired');
  const limit = await app.limiter.hit(`passkey-options:${app.hmac.digest('rate-limit', ctx.ip)}`, app.config.passkey.optionsPerIpPerHour, 3600);
  if (!limit.allowed) return jsonError(ctx, 429, 'passkey.error.tooMany');
  const body = (ctx.request.body ?? {}) as { mode?: unknown; membershipNumber?: unknown };
  const mode = body.mode;
  let membershipNumber: string | undefined;
  if (mode === 'number' || (mode === 'hybrid' && typeof body.membershipNumber === 'string' && body.membershipNumber.trim())) {
    try {
      membershipNumber = parseMembershipNumber(body.membershipNumber);
    } catch (error) {
      if (error instanceof AppError) return jsonError(ctx, 400, error.key);
      throw error;
    }
  } else if (mode !== 'discoverable' && mode !== 'autofill' && mode !== 'hybrid') {
    return jsonError(ctx, 400, 'error.badRequest');
  }
  const options = await app.passkeys.authenticationOptions({ binding: interaction.uid, membershipNumber, hybrid: mode === 'hybrid' });
  jsonOk(ctx, options);
}

/** POST /interaction/:uid/passkey/verify (JSON) */
export async function passkeyVerify(ctx: Context, app: AppContext, interaction: Interaction): Promise<void> {
  verifyCsrf(ctx, interaction.uid, ctx.get('x-csrf-token'));
  if (!(await passkeyLoginAllowed(app, interaction))) return jsonError(ctx, 400, 'error.interactionExpired');
  const response = parseAuthentication(ctx);
  const result = await app.passkeys.authenticate({ binding: interaction.uid, response });
  if (!result.ok) {
    // One message for every failure: nobody learns whether a number or a passkey exists.
    const signal = result.reason === 'unknownCredential' && result.discoverable ? { unknown_credential: response.id, rp_id: app.config.webauthn.rpId } : {};
    return jsonError(ctx, 400, 'passkey.error.failed', signal);
  }
  const resume = await app.provider.interactionResult(
    ctx.req,
    ctx.res,
    { login: { accountId: result.owner.id, acr: acrFor(interaction, await clientOf(app, interaction), result.amr), amr: result.amr, remember: false } },
    { mergeWithLastSubmission: false },
  );
  // A passkey from another device (e.g. a phone through the 2D barcode): offer one on this device.
  jsonOk(ctx, { redirect: result.crossDevice ? `${pageUrl(interaction.uid)}/offer` : resume, signals: result.signals });
}

/** The member who has just signed in with a passkey in this interaction (for the offer). */
async function signedInMember(app: AppContext, interaction: Interaction): Promise<Member> {
  const accountId = interaction.result?.login?.accountId;
  const member = accountId ? await app.members.findById(accountId) : null;
  if (!member || member.status !== 'active') throw new AppError('error.interactionExpired', { detail: 'passkey offer without a signed-in member' });
  return member;
}

export async function showOffer(ctx: Context, app: AppContext, interaction: Interaction): Promise<void> {
  await signedInMember(app, interaction);
  await renderPage(ctx, 'interaction/passkey-offer', { uid: interaction.uid, continueUrl: interaction.returnTo });
}

function offerCodeFlow(ctx: Context, app: AppContext, interaction: Interaction, member: Member) {
  const uid = interaction.uid;
  const t = ctx.state.t;
  const common = {
    heading: t('passkey.sms.heading'),
    intro: t('passkey.sms.intro'),
    csrf: csrfToken(ctx, uid),
    sendAction: `${pageUrl(uid)}/offer/sms/send`,
    verifyAction: `${pageUrl(uid)}/offer/sms/check`,
    backLink: undefined,
    cancel: undefined,
  };
  return {
    async show(view: { error?: string; status?: number } = {}) {
      const live = await app.otp.status(member._id, 'passkey-registration', uid);
      const skip = { continueUrl: interaction.returnTo };
      if (live) return renderCodePage(ctx, app.config, { ...common, ...view, code: live, skip });
      const destination = destinationFor(member, 'passkey-registration', app.config);
      if (!destination.ok) {
        return renderCodePage(ctx, app.config, { ...common, code: { channel: 'sms', maskedDestination: '' }, blocked: true, error: t('passkey.sms.required'), status: 409, skip });
      }
      return renderCodePage(ctx, app.config, { ...common, ...view, code: { channel: 'sms', maskedDestination: '' }, preview: destination, skip });
    },
  };
}

export async function showOfferSms(ctx: Context, app: AppContext, interaction: Interaction): Promise<void> {
  await offerCodeFlow(ctx, app, interaction, await signedInMember(app, interaction)).show();
}

export async function sendOfferSms(ctx: Context, app: AppContext, interaction: Interaction): Promise<void> {
  verifyCsrf(ctx, interaction.uid, (ctx.request.body as { _csrf?: unknown } | undefined)?._csrf);
  const member = await signedInMember(app, interaction);
  const flow = offerCodeFlow(ctx, app, interaction, member);
  const destination = destinationFor(member, 'passkey-registration', app.config);
  if (!destination.ok) return flow.show();
  const result = await app.otp.issue(
    issueRequestFor(member, { purpose: 'passkey-registration', binding: interaction.uid, channel: 'sms', destination: destination.destination, locale: ctx.state.locale, ip: ctx.ip }),
  );
  if (!result.ok) {
    const { message, status } = otpErrorMessage(ctx.state.t, result);
    return flow.show({ error: message, status });
  }
  ctx.status = 303;
  ctx.redirect(`${pageUrl(interaction.uid)}/offer/sms`);
}

export async function checkOfferSms(ctx: Context, app: AppContext, interaction: Interaction): Promise<void> {
  verifyCsrf(ctx, interaction.uid, (ctx.request.body as { _csrf?: unknown } | undefined)?._csrf);
  const member = await signedInMember(app, interaction);
  const code = (ctx.request.body as { code?: unknown } | undefined)?.code;
  const result = await app.otp.verify({ memberId: member._id, purpose: 'passkey-registration', binding: interaction.uid, code, ip: ctx.ip });
  if (!result.ok) {
    const { message, status } = otpErrorMessage(ctx.state.t, result);
    return offerCodeFlow(ctx, app, interaction, member).show({ error: message, status });
  }
  ctx.status = 303;
  ctx.redirect(`${pageUrl(interaction.uid)}/offer/register`);
}

async function smsIsFresh(app: AppContext, member: Member, binding: string): Promise<boolean> {
  return app.otp.verifiedWithin(member._id, 'passkey-registration', binding, app.config.otp.stepUpMinutes);
}

export async function showOfferRegister(ctx: Context, app: AppContext, interaction: Interaction): Promise<void> {
  const member = await signedInMember(app, interaction);
  if (!(await smsIsFresh(app, member, interaction.uid))) {
    ctx.status = 303;
    return ctx.redirect(`${pageUrl(interaction.uid)}/offer/sms`);
  }
  await renderPage(ctx, 'passkey/register', {
    csrf: csrfToken(ctx, interaction.uid),
    optionsUrl: `${pageUrl(interaction.uid)}/register/options`,
    verifyUrl: `${pageUrl(interaction.uid)}/register/verify`,
    backUrl: interaction.returnTo,
    backLabel: ctx.state.t('passkey.offer.skip'),
  });
}

export async function offerRegisterOptions(ctx: Context, app: AppContext, interaction: Interaction): Promise<void> {
  verifyCsrf(ctx, interaction.uid, ctx.get('x-csrf-token'));
  const member = await signedInMember(app, interaction);
  if (!(await smsIsFresh(app, member, interaction.uid))) {
    return jsonError(ctx, 403, 'passkey.register.expired', { redirect: `${pageUrl(interaction.uid)}/offer/sms` });
  }
  jsonOk(ctx, await app.passkeys.registrationOptions(memberAsOwner(member), interaction.uid));
}

export async function offerRegisterVerify(ctx: Context, app: AppContext, interaction: Interaction): Promise<void> {
  verifyCsrf(ctx, interaction.uid, ctx.get('x-csrf-token'));
  const member = await signedInMember(app, interaction);
  if (!(await smsIsFresh(app, member, interaction.uid))) return jsonError(ctx, 403, 'passkey.register.expired');
  const result = await app.passkeys.register({ owner: memberAsOwner(member), binding: interaction.uid, response: parseRegistration(ctx), defaultName: defaultPasskeyName(ctx, app) });
  if (!result.ok) return jsonError(ctx, 400, result.reason === 'duplicate' ? 'passkey.register.exists' : 'passkey.register.failed');
  jsonOk(ctx, { redirect: interaction.returnTo, signals: result.signals });
}

/** "Passkey (22 Nov 2026)" in the page's language, for authenticators the table does not know. */
export function defaultPasskeyName(ctx: Context, app: AppContext): (aaguid: string) => string {
  return () => {
    const date = formatJst(ctx.state.locale, app.clock.now(), { dateStyle: 'medium' });
    return ctx.state.t('passkey.defaultName', { date });
  };
}
