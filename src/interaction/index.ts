import type Router from '@koa/router';
import type { Context } from 'koa';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { formBody, jsonBody } from '../http/body.js';
import { verifyCsrf } from '../http/csrf.js';
import { jsonError } from '../http/passkey-ceremony.js';
import { INTERACTION_COOKIE } from '../oidc/provider.js';
import { loadInteraction, UID } from './details.js';
import { finishWithError, type SignInState, type Step, type StepRoute, seeOther, signInState } from './step.js';
import { nextStep, STEPS, stepAllowed } from './steps.js';

/**
 * The sign-in under /interaction/:uid (oidc-provider scopes the interaction cookie to that path).
 * One runner for every step's requests: it loads the interaction, refuses a request that does
 * not belong to the step the interaction is at, checks the CSRF token (a form field, or a header
 * for JSON), parses the body, then hands over to the step. A challenge route (passkey options)
 * is checked by the interaction's cookie instead of loading it (see ChallengeRoute).
 */
type Handler = (ctx: Context, app: AppContext, state: SignInState) => Promise<void>;

export function registerInteractionRoutes(router: Router, app: AppContext): void {
  const parseForm = formBody('8kb');
  const parseJson = jsonBody();

  // The interaction is loaded before the body is read, so that even "too large" is answered in
  // the language of the relying app's request. JSON routes answer errors in JSON.
  const run =
    (step: Step | 'any', handler: Handler, options: { json?: boolean } = {}) =>
    async (ctx: Context) => {
      if (options.json) ctx.state.api = true;
      const interaction = await loadInteraction(ctx, app.provider);
      const state = await signInState(app, interaction);
      if (step !== 'any' && !stepAllowed(step, nextStep(state))) {
        const detail = `${ctx.method} ${step.name} request while the interaction is at ${nextStep(state)?.name ?? 'resume'}`;
        if (options.json) return jsonError(ctx, 400, ctx.state.t('error.interactionExpired'));
        throw new AppError('error.interactionExpired', { detail });
      }
      if (ctx.method === 'POST') {
        await (options.json ? parseJson : parseForm)(ctx, async () => {});
        const token = options.json
          ? ctx.get('x-csrf-token')
          : (ctx.request.body as { _csrf?: unknown } | undefined)?._csrf;
        verifyCsrf(ctx, interaction.uid, token);
      }
      await handler(ctx, app, state);
    };

  router.get(
    '/interaction/:uid',
    run('any', async (ctx, _app, state) => {
      const step = nextStep(state);
      // The login is saved and nothing optional follows: back to oidc-provider.
      if (!step) return seeOther(ctx, state.interaction.returnTo);
      await step.show(ctx, app, state);
    }),
  );

  // "Cancel" / "Do not allow" at any step: the relying app receives access_denied.
  router.post(
    '/interaction/:uid/abort',
    run('any', async (ctx) => {
      seeOther(ctx, await finishWithError(ctx, app, 'access_denied', 'The member cancelled the sign-in.'));
    }),
  );

  // A challenge route: the interaction is only proven by its cookie (see ChallengeRoute).
  const runChallenge = (handler: Extract<StepRoute, { challenge: true }>['handler']) => async (ctx: Context) => {
    ctx.state.api = true;
    const uid = String(ctx.params.uid ?? '');
    if (!UID.test(uid) || ctx.cookies.get(INTERACTION_COOKIE, { signed: true }) !== uid)
      return jsonError(ctx, 400, ctx.state.t('error.interactionExpired'));
    await parseJson(ctx, async () => {});
    verifyCsrf(ctx, uid, ctx.get('x-csrf-token'));
    await handler(ctx, app, { uid });
  };

  for (const step of STEPS) {
    for (const route of step.routes as StepRoute[]) {
      const path = `/interaction/:uid${route.path}`;
      if (route.challenge) router[route.method](path, runChallenge(route.handler));
      else router[route.method](path, run(step, route.handler, { json: route.json }));
    }
  }
}
