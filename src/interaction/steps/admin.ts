import type { Context } from 'koa';
import { adminAccountId } from '../../admins/library.js';
import { isAdminConsole } from '../../clients/kinds.js';
import type { AppContext } from '../../context.js';
import { jsonError, jsonOk, parseAuthentication, passkeyOptionsAllowed } from '../../http/passkey-ceremony.js';
import { renderPage } from '../../http/render.js';
import { finishLogin, pageBasics, type SignInState, type Step } from '../step.js';

/**
 * Step: an admin signs in to the admin console, with a passkey only (phishing-resistant). The
 * admins' passkeys are a realm of their own: a member's passkey can never open the console.
 */
async function show(ctx: Context, _app: AppContext, state: SignInState): Promise<void> {
  const { uid, csrf } = pageBasics(ctx, state);
  await renderPage(ctx, 'interaction/admin-login', { uid, csrf });
}

/** POST /interaction/:uid/admin/options (JSON): a discoverable passkey, nothing to type. */
async function options(ctx: Context, app: AppContext, interaction: { uid: string }): Promise<void> {
  if (!(await passkeyOptionsAllowed(ctx, app))) return;
  jsonOk(ctx, await app.adminPasskeys.authenticationOptions({ binding: interaction.uid }));
}

/** POST /interaction/:uid/admin/verify (JSON) */
async function verify(ctx: Context, app: AppContext, state: SignInState): Promise<void> {
  const result = await app.adminPasskeys.authenticate({
    binding: state.interaction.uid,
    response: parseAuthentication(ctx),
  });
  const admin = result.ok ? await app.admins.findById(result.owner.id) : null;
  if (!result.ok || admin?.status !== 'active') {
    app.metrics.signIn('admin_passkey', 'failure');
    return jsonError(ctx, 400, ctx.state.t('admin.login.failed'));
  }
  const redirect = await finishLogin(ctx, app, state, {
    accountId: adminAccountId(admin),
    amr: result.amr,
    method: 'admin_passkey',
  });
  jsonOk(ctx, { redirect, signals: result.signals });
}

export const adminStep: Step = {
  name: 'admin',
  when: (state) => state.prompt === 'login' && !state.pending && isAdminConsole(state.client),
  show,
  routes: [
    { method: 'post', path: '/admin/options', json: true, challenge: true, handler: options },
    { method: 'post', path: '/admin/verify', json: true, handler: verify },
  ],
};
