import type { Context } from 'koa';
import { ACR } from '../../assurance/acr.js';
import type { AppContext } from '../../context.js';
import { passkeyDevice } from '../../http/passkey-device.js';
import {
  activeMember,
  amrWithCode,
  finishLogin,
  interactionCodeFlow,
  pageBasics,
  type SignInState,
  type Step,
  seeOther,
} from '../step.js';

/**
 * Step: a one-time password on top of the member's login, when a relying app asked for the OTP
 * level (acr_values, or its minimum level) and the session does not have it. The code goes to
 * the member's notification destination (or, if the member asks, their other channel) and is
 * bound to this interaction. After a code by SMS, a member with no passkey on this browser is
 * offered one (steps/passkey-offer.ts).
 */
function flow(ctx: Context, app: AppContext, state: SignInState) {
  const t = ctx.state.t;
  const intro = t('otp.stepUp.intro', { client: pageBasics(ctx, state).clientName });
  return interactionCodeFlow(ctx, app, state, {
    purpose: 'step-up',
    heading: t('otp.title'),
    intro,
    path: '',
    send: '/otp/send',
    verify: '/otp/verify',
    cancel: true,
  });
}

export const otpStep: Step = {
  name: 'otp',
  when: (state) => state.prompt === 'login' && !state.pending && !state.newLogin && state.missing === ACR.otp,
  show: async (ctx, app, state) => (await flow(ctx, app, state)).show(),
  routes: [
    {
      method: 'post',
      path: '/otp/send',
      handler: async (ctx, app, state) => void (await (await flow(ctx, app, state)).send()),
    },
    {
      method: 'post',
      path: '/otp/verify',
      async handler(ctx, app, state) {
        const verified = await (await flow(ctx, app, state)).check(
          (ctx.request.body as { code?: unknown } | undefined)?.code,
        );
        if (!verified) return;
        const member = await activeMember(state);
        // The SMS code just entered is also the check the seed asks before a passkey is made.
        const offer =
          verified.channel === 'sms' && passkeyDevice.wanted(ctx, app.hmac, member._id) ? 'passkey-sms' : undefined;
        const amr = amrWithCode(state.amr, verified.channel);
        seeOther(ctx, await finishLogin(ctx, app, state, { accountId: member._id, amr, method: 'otp', offer }));
      },
    },
  ],
};
