import type { Context } from 'koa';
import type { AppContext } from '../../context.js';
import { defaultPasskeyName, jsonError, jsonOk, parseRegistration } from '../../http/passkey-ceremony.js';
import { passkeyDevice } from '../../http/passkey-device.js';
import { renderPage } from '../../http/render.js';
import { memberAsOwner } from '../../passkeys/library.js';
import { activeMember, interactionCodeFlow, pageBasics, type SignInState, type Step, seeOther } from '../step.js';

/**
 * Optional step after a login that produced an offer: create a passkey on this device, or
 * continue to the app ("Not now" is remembered for 30 days, http/passkey-device.ts). After a
 * passkey from another device (the 2D barcode) the SMS code the seed requires before every
 * registration comes first; after a sign-in whose one-time password came by SMS, that code
 * already is it, and no second SMS is sent. The login itself is already saved in the interaction.
 */
const base = (state: SignInState) => `/interaction/${state.interaction.uid}/passkey`;

function smsFlow(ctx: Context, app: AppContext, state: SignInState) {
  const t = ctx.state.t;
  const sms = '/passkey/offer/sms';
  return interactionCodeFlow(ctx, app, state, {
    purpose: 'passkey-registration',
    heading: t('passkey.sms.heading'),
    intro: t('passkey.sms.intro'),
    path: sms,
    send: `${sms}/send`,
    verify: `${sms}/check`,
  });
}

/** The SMS check this registration needs, done in this interaction within the last STEP_UP_MINUTES. */
async function smsIsFresh(app: AppContext, state: SignInState): Promise<boolean> {
  const member = await activeMember(state);
  return app.otp.smsVerifiedWithin(member._id, state.interaction.uid, app.config.otp.stepUpMinutes);
}

async function show(ctx: Context, _app: AppContext, state: SignInState): Promise<void> {
  await activeMember(state);
  const t = ctx.state.t;
  await renderPage(ctx, 'interaction/passkey-offer', {
    body: t(state.pending?.offer === 'passkey-sms' ? 'passkey.offer.afterSms.body' : 'passkey.offer.body'),
    createUrl: `${base(state)}/offer/register`,
    laterUrl: `${base(state)}/offer/later`,
  });
}

async function showRegister(ctx: Context, app: AppContext, state: SignInState): Promise<void> {
  if (!(await smsIsFresh(app, state))) return seeOther(ctx, `${base(state)}/offer/sms`);
  await renderPage(ctx, 'passkey/register', {
    csrf: pageBasics(ctx, state).csrf,
    optionsUrl: `${base(state)}/register/options`,
    verifyUrl: `${base(state)}/register/verify`,
    backUrl: state.interaction.returnTo,
    backLabel: ctx.state.t('passkey.offer.skip'),
  });
}

async function registerOptions(ctx: Context, app: AppContext, state: SignInState): Promise<void> {
  if (!(await smsIsFresh(app, state)))
    return jsonError(ctx, 403, ctx.state.t('passkey.register.expired', { minutes: app.config.otp.stepUpMinutes }), {
      redirect: `${base(state)}/offer/sms`,
    });
  jsonOk(ctx, await app.passkeys.registrationOptions(memberAsOwner(await activeMember(state)), state.interaction.uid));
}

async function registerVerify(ctx: Context, app: AppContext, state: SignInState): Promise<void> {
  if (!(await smsIsFresh(app, state)))
    return jsonError(ctx, 403, ctx.state.t('passkey.register.expired', { minutes: app.config.otp.stepUpMinutes }));
  const owner = memberAsOwner(await activeMember(state));
  const result = await app.passkeys.register({
    owner,
    binding: state.interaction.uid,
    response: parseRegistration(ctx),
    defaultName: defaultPasskeyName(ctx, app.clock),
  });
  if (result.ok) passkeyDevice.remember(ctx, app.hmac, owner.id);
  if (!result.ok)
    return jsonError(
      ctx,
      400,
      ctx.state.t(result.reason === 'duplicate' ? 'passkey.register.exists' : 'passkey.register.failed'),
    );
  jsonOk(ctx, { redirect: state.interaction.returnTo, signals: result.signals });
}

export const passkeyOfferStep: Step = {
  name: 'passkey-offer',
  when: (state) =>
    state.prompt === 'login' && (state.pending?.offer === 'passkey' || state.pending?.offer === 'passkey-sms'),
  show,
  routes: [
    { method: 'get', path: '/passkey/offer', handler: show },
    {
      method: 'get',
      path: '/passkey/offer/later',
      async handler(ctx, app, state) {
        passkeyDevice.later(ctx, app.hmac, (await activeMember(state))._id);
        seeOther(ctx, state.interaction.returnTo);
      },
    },
    {
      method: 'get',
      path: '/passkey/offer/sms',
      handler: async (ctx, app, state) => (await smsFlow(ctx, app, state)).show(),
    },
    {
      method: 'post',
      path: '/passkey/offer/sms/send',
      handler: async (ctx, app, state) => void (await (await smsFlow(ctx, app, state)).send()),
    },
    {
      method: 'post',
      path: '/passkey/offer/sms/check',
      async handler(ctx, app, state) {
        if (await (await smsFlow(ctx, app, state)).check((ctx.request.body as { code?: unknown } | undefined)?.code))
          seeOther(ctx, `${base(state)}/offer/register`);
      },
    },
    { method: 'get', path: '/passkey/offer/register', handler: showRegister },
    { method: 'post', path: '/passkey/register/options', json: true, handler: registerOptions },
    { method: 'post', path: '/passkey/register/verify', json: true, handler: registerVerify },
  ],
};
