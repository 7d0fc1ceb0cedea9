import type { Context } from 'koa';
import { z } from 'zod';
import { ACR } from '../../assurance/acr.js';
import type { AppContext } from '../../context.js';
import { AppError } from '../../errors.js';
import { renderPage } from '../../http/render.js';
import { padResponse } from '../../http/timing.js';
import { parseMembershipNumber } from '../../members/library.js';
import { normaliseMembershipNumber } from '../../members/membership-number.js';
import { finishLogin, firstLevel, pageBasics, type SignInState, type Step, seeOther } from '../step.js';

/**
 * Step: membership number + password, the start of a new login (the page also offers a
 * passkey), or the level an existing session lacks when an app asks for the password level.
 */
const form = z.object({
  membershipNumber: z.string().max(64).optional().default(''),
  password: z.string().max(1024).optional().default(''),
});

interface LoginView {
  membershipNumber?: string;
  error?: string;
  fieldError?: string;
  status?: number;
}

async function show(ctx: Context, _app: AppContext, state: SignInState, view: LoginView = {}): Promise<void> {
  const hint =
    typeof state.interaction.params.login_hint === 'string'
      ? normaliseMembershipNumber(state.interaction.params.login_hint)
      : '';
  await renderPage(
    ctx,
    'interaction/login',
    {
      ...pageBasics(ctx, state),
      membershipNumber: view.membershipNumber ?? (/^\d{9}$/.test(hint) ? hint : ''),
      // Back from a password reset (steps/recovery.ts).
      notice:
        ctx.query.notice === 'password-changed' && !view.error
          ? ctx.state.t('login.notice.passwordChanged')
          : undefined,
      error: view.error,
      fieldError: view.fieldError,
    },
    view.status,
  );
}

const refusal = {
  invalid: { key: 'login.error.invalid', status: 401 },
  accountLocked: { key: 'login.error.accountLocked', status: 401 },
  tooManyFromHere: { key: 'login.error.tooManyFromHere', status: 429 },
  lockedOut: { key: 'login.error.lockedOut', status: 429 },
} as const;

async function submit(ctx: Context, app: AppContext, state: SignInState): Promise<void> {
  const body = form.safeParse(ctx.request.body ?? {});
  if (!body.success) throw new AppError('error.badRequest', { detail: 'login form shape' });
  const t = ctx.state.t;
  const typed = body.data.membershipNumber;
  const clientId = String(state.interaction.params.client_id);

  let membershipNumber: string;
  try {
    membershipNumber = parseMembershipNumber(typed);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return show(ctx, app, state, { membershipNumber: typed, fieldError: t(error.key), status: 400 });
  }
  if (!body.data.password) {
    return show(ctx, app, state, { membershipNumber, error: t('login.error.passwordRequired'), status: 400 });
  }

  const startedAt = performance.now();
  const result = await app.members.authenticateWithPassword({
    membershipNumber,
    password: body.data.password,
    ip: ctx.ip,
  });
  if (!result.ok) {
    // Unknown numbers, wrong passwords and lockouts take the same time (no enumeration by timing).
    await padResponse(startedAt, app.config.login.minResponseMs);
    const type = result.reason === 'lockedOut' ? 'login.locked_out' : 'login.password';
    await app.audit.record({
      type,
      outcome: 'failure',
      memberId: result.memberId,
      clientId,
      detail: { reason: result.reason, membershipNumber },
    });
    app.metrics.signIn('password', 'failure');
    if (result.reason === 'lockedOut') app.metrics.refused('login_number_lockout');
    if (result.reason === 'tooManyFromHere') app.metrics.refused('login_per_network');
    const { key, status } = refusal[result.reason];
    return show(ctx, app, state, {
      membershipNumber,
      error: t(key, result.reason === 'lockedOut' ? { minutes: result.minutes } : undefined),
      status,
    });
  }
  const url = await finishLogin(ctx, app, state, { accountId: result.member._id, amr: ['pwd'], method: 'password' });
  await app.audit.record({ type: 'login.password', outcome: 'success', memberId: result.member._id, clientId });
  seeOther(ctx, url);
}

export const passwordStep: Step = {
  name: 'password',
  when: (state) =>
    state.prompt === 'login' &&
    !state.pending &&
    (state.newLogin ? firstLevel(state) !== ACR.passkey : state.missing === ACR.password),
  show,
  routes: [{ method: 'post', path: '/login', handler: submit }],
};
