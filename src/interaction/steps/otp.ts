import type { Context } from 'koa';
import { ACR } from '../../assurance/acr.js';
import { codeFlow } from '../../code-flow/flow.js';
import type { AppContext } from '../../context.js';
import { destinationFor } from '../../otp/destination.js';
import { activeMember, amrWithCode, finishLogin, pageBasics, seeOther, type SignInState, type Step } from '../step.js';

/**
 * Step: a one-time password on top of the member's login, when a relying app asked for the OTP
 * level (acr_values, or its minimum level) and the session does not have it. The code goes to
 * the member's notification destination and is bound to this interaction.
 */
async function flow(ctx: Context, app: AppContext, state: SignInState) {
  const member = await activeMember(state);
  const { uid, csrf, clientName } = pageBasics(ctx, state);
  const t = ctx.state.t;
  const destination = destinationFor(member, 'step-up', app.config);
  return codeFlow(ctx, app, {
    member,
    purpose: 'step-up',
    binding: uid,
    destination: destination.ok ? destination : { problem: 'otp.error.noDestination' },
    page: {
      heading: t('otp.title'),
      intro: t('otp.stepUp.intro', { client: clientName }),
      csrf,
      sendAction: `/interaction/${uid}/otp/send`,
      verifyAction: `/interaction/${uid}/otp/verify`,
      cancel: { action: `/interaction/${uid}/abort`, label: t('common.cancel') },
    },
    afterSend: `/interaction/${uid}`,
  });
}

export const otpStep: Step = {
  name: 'otp',
  when: (state) => state.prompt === 'login' && !state.pending && !state.newLogin && state.missing === ACR.otp,
  show: async (ctx, app, state) => (await flow(ctx, app, state)).show(),
  routes: [
    { method: 'post', path: '/otp/send', handler: async (ctx, app, state) => void (await (await flow(ctx, app, state)).send()) },
    {
      method: 'post',
      path: '/otp/verify',
      async handler(ctx, app, state) {
        const verified = await (await flow(ctx, app, state)).check((ctx.request.body as { code?: unknown } | undefined)?.code);
        if (!verified) return;
        const member = await activeMember(state);
        seeOther(ctx, await finishLogin(ctx, app, state, { accountId: member._id, amr: amrWithCode(state.amr, verified.channel) }));
      },
    },
  ],
};
