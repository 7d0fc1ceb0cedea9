import type { Context } from 'koa';
import { ACR } from '../../assurance/acr.js';
import type { AppContext } from '../../context.js';
import { AppError } from '../../errors.js';
import { jsonError, jsonOk, parseAuthentication } from '../../http/passkey-ceremony.js';
import { passkeyDevice } from '../../http/passkey-device.js';
import { renderPage } from '../../http/render.js';
import { parseMembershipNumber } from '../../members/library.js';
import { finishLogin, firstLevel, pageBasics, type SignInState, type Step } from '../step.js';

/**
 * Step: sign in with a passkey (seed 000). "Login with passkey" → membership number → the
 * device's biometric or PIN check; or a discoverable passkey (autofill or a button); or a phone's
 * passkey through the 2D barcode, after which the member is offered a passkey on this device.
 * The login page offers it too, so it may stand in for the password step.
 */
async function show(ctx: Context, _app: AppContext, state: SignInState): Promise<void> {
  const t = ctx.state.t;
  await renderPage(ctx, 'interaction/passkey', {
    ...pageBasics(ctx, state),
    texts: { cancelled: t('passkey.error.cancelled'), failed: t('passkey.error.failed') },
  });
}

const MODES = ['number', 'hybrid', 'discoverable', 'autofill'] as const;

/** POST /interaction/:uid/passkey/options (JSON) */
async function options(ctx: Context, app: AppContext, interaction: { uid: string }): Promise<void> {
  const body = (ctx.request.body ?? {}) as { mode?: unknown; membershipNumber?: unknown };
  const mode = MODES.find((known) => known === body.mode);
  if (!mode) return jsonError(ctx, 400, ctx.state.t('error.badRequest'));
  let membershipNumber: string | undefined;
  // A number is required for "number", optional for the phone (hybrid), ignored otherwise.
  if (
    mode === 'number' ||
    (mode === 'hybrid' && typeof body.membershipNumber === 'string' && body.membershipNumber.trim())
  ) {
    try {
      membershipNumber = parseMembershipNumber(body.membershipNumber);
    } catch (error) {
      if (error instanceof AppError) return jsonError(ctx, 400, ctx.state.t(error.key, error.params));
      throw error;
    }
  }
  // Options for a membership number (its passkeys, or decoys) are what someone probing numbers
  // asks for: those spend the network's budget. Options without one reveal nothing, and the login
  // page's script asks for them (autofill) on every view: each replaces the sign-in's previous
  // challenge (latest only), so asking again costs nothing but the one write.
  if (membershipNumber) {
    const limit = await app.limiter.hit(
      `passkey-options:${app.hmac.digest('rate-limit', ctx.ip)}`,
      app.config.passkey.optionsPerIpPerHour,
      3600,
    );
    if (!limit.allowed) {
      app.metrics.refused('passkey_options');
      return jsonError(ctx, 429, ctx.state.t('passkey.error.tooMany'));
    }
  }
  jsonOk(
    ctx,
    await app.passkeys.authenticationOptions({
      binding: interaction.uid,
      membershipNumber,
      hybrid: mode === 'hybrid',
    }),
  );
}

/** POST /interaction/:uid/passkey/verify (JSON) */
async function verify(ctx: Context, app: AppContext, state: SignInState): Promise<void> {
  const response = parseAuthentication(ctx);
  const result = await app.passkeys.authenticate({ binding: state.interaction.uid, response });
  if (!result.ok) {
    app.metrics.signIn('passkey', 'failure');
    // One message for every failure: nobody learns whether a number or a passkey exists.
    const signal =
      result.reason === 'unknownCredential' && result.discoverable
        ? { unknown_credential: response.id, rp_id: app.config.webauthn.rpId }
        : {};
    return jsonError(ctx, 400, ctx.state.t('passkey.error.failed'), signal);
  }
  if (!result.crossDevice) passkeyDevice.remember(ctx, app.hmac, result.owner.id);
  // A passkey from another device (e.g. a phone through the 2D barcode): offer one on this device.
  const redirect = await finishLogin(ctx, app, state, {
    accountId: result.owner.id,
    amr: result.amr,
    method: result.crossDevice ? 'passkey_cross_device' : 'passkey',
    offer: result.crossDevice ? 'passkey' : undefined,
  });
  jsonOk(ctx, { redirect, signals: result.signals });
}

export const passkeyStep: Step = {
  name: 'passkey',
  when: (state) =>
    state.prompt === 'login' &&
    !state.pending &&
    (state.newLogin ? firstLevel(state) === ACR.passkey : state.missing === ACR.passkey),
  follows: ['password'],
  show,
  routes: [
    { method: 'get', path: '/passkey', handler: show },
    { method: 'post', path: '/passkey/options', json: true, challenge: true, handler: options },
    { method: 'post', path: '/passkey/verify', json: true, handler: verify },
  ],
};
