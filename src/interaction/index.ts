import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Interaction } from 'oidc-provider';
import type { AppContext } from '../context.js';
import { AppError } from '../http/errors.js';
import { jsonBody } from '../passkeys/http.js';
import { abortInteraction, showConsent, submitConsent } from './consent.js';
import { loadInteraction } from './details.js';
import { adminPasskeyOptions, adminPasskeyVerify, showAdminLogin } from './login-admin.js';
import {
  checkOfferSms,
  offerRegisterOptions,
  offerRegisterVerify,
  passkeyOptions,
  passkeyVerify,
  sendOfferSms,
  showOffer,
  showOfferRegister,
  showOfferSms,
  showPasskeyLogin,
} from './login-passkey.js';
import { showLogin, submitLogin } from './login-password.js';
import { clientOf, loginStepFor, sendStepUpCode, showStepUp, verifyStepUpCode } from './otp-step-up.js';

type Step = (ctx: Context, app: AppContext, interaction: Interaction) => Promise<void>;

/** What the member sees for each prompt oidc-provider stops at, in the order the policy asks. */
const pages: Record<string, Step> = {
  login: async (ctx, app, interaction) => {
    switch (loginStepFor(interaction, await clientOf(app, interaction))) {
      case 'otp':
        return showStepUp(ctx, app, interaction);
      case 'passkey':
        return showPasskeyLogin(ctx, app, interaction);
      case 'admin':
        return showAdminLogin(ctx, app, interaction);
      case 'unavailable':
        return refuseUnavailableLevel(ctx, app, interaction);
      default:
        return showLogin(ctx, app, interaction);
    }
  },
  consent: showConsent,
};

/** The app asked only for a level this member cannot reach here: tell the app, do not loop. */
async function refuseUnavailableLevel(ctx: Context, app: AppContext, interaction: Interaction): Promise<void> {
  const redirectTo = await app.provider.interactionResult(
    ctx.req,
    ctx.res,
    { error: 'unmet_authentication_requirements', error_description: 'none of the requested authentication levels can be met' },
    { mergeWithLastSubmission: false },
  );
  ctx.status = 303;
  ctx.redirect(redirectTo);
}

/**
 * Interaction routes live under /interaction/:uid because oidc-provider scopes the interaction
 * cookie to that path.
 */
export function registerInteractionRoutes(router: Router, app: AppContext): void {
  const parseForm = bodyParser({ enableTypes: ['form'], formLimit: '8kb', encoding: 'utf-8' });
  // The interaction is loaded before the body is read, so that even "too large" is answered in
  // the language of the relying app's request. JSON routes answer errors in JSON.
  const run = (step: Step, options: { json?: boolean } = {}) => async (ctx: Context) => {
    if (options.json) ctx.state.api = true;
    const interaction = await loadInteraction(ctx, app.provider);
    if (ctx.method === 'POST') await (options.json ? jsonBody : parseForm)(ctx, async () => {});
    await step(ctx, app, interaction);
  };
  const json = { json: true };

  router.get('/interaction/:uid', run(async (ctx, _app, interaction) => {
    const page = pages[interaction.prompt.name];
    if (!page) throw new AppError('error.generic', { status: 500, detail: `no page for prompt ${interaction.prompt.name}` });
    await page(ctx, app, interaction);
  }));
  router.post('/interaction/:uid/login', run(submitLogin));
  router.post('/interaction/:uid/confirm', run(submitConsent));
  router.post('/interaction/:uid/abort', run(abortInteraction));
  router.post('/interaction/:uid/otp/send', run(sendStepUpCode));
  router.post('/interaction/:uid/otp/verify', run(verifyStepUpCode));

  router.post('/interaction/:uid/admin/options', run(adminPasskeyOptions, json));
  router.post('/interaction/:uid/admin/verify', run(adminPasskeyVerify, json));
  router.get('/interaction/:uid/passkey', run(showPasskeyLogin));
  router.post('/interaction/:uid/passkey/options', run(passkeyOptions, json));
  router.post('/interaction/:uid/passkey/verify', run(passkeyVerify, json));
  router.get('/interaction/:uid/passkey/offer', run(showOffer));
  router.get('/interaction/:uid/passkey/offer/sms', run(showOfferSms));
  router.post('/interaction/:uid/passkey/offer/sms/send', run(sendOfferSms));
  router.post('/interaction/:uid/passkey/offer/sms/check', run(checkOfferSms));
  router.get('/interaction/:uid/passkey/offer/register', run(showOfferRegister));
  router.post('/interaction/:uid/passkey/register/options', run(offerRegisterOptions, json));
  router.post('/interaction/:uid/passkey/register/verify', run(offerRegisterVerify, json));
}
