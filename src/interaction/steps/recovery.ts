import type { Context } from 'koa';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { AppError } from '../../errors.js';
import { renderPage } from '../../http/render.js';
import { padResponse } from '../../http/timing.js';
import type { MessageKey } from '../../i18n/index.js';
import { parseMembershipNumber } from '../../members/library.js';
import type { CodeCheck } from '../../recovery/library.js';
import { pageBasics, type SignInState, type Step, seeOther } from '../step.js';

/**
 * Forgot your password? Reached from the login page of a sign-in, and back to it: the membership
 * number, a one-time password to its notification destination, a new password. The pages and
 * their timing are the same whether the number exists or not. The new password signs nobody in:
 * the member logs in with it, and an app that asked for more (acr_values) still gets its step.
 */
const form = z.object({
  membershipNumber: z.string().max(64).optional().default(''),
  code: z.string().max(64).optional(),
  password: z.string().max(1024).optional().default(''),
  confirm: z.string().max(1024).optional().default(''),
});
const body = (ctx: Context) => form.safeParse(ctx.request.body ?? {}).data ?? form.parse({});
const base = (state: SignInState) => `/interaction/${state.interaction.uid}/recovery`;

async function show(
  ctx: Context,
  _app: AppContext,
  state: SignInState,
  view: { membershipNumber?: string; fieldError?: string; error?: string; status?: number } = {},
) {
  const { uid, csrf } = pageBasics(ctx, state);
  await renderPage(
    ctx,
    'interaction/recovery',
    { uid, csrf, membershipNumber: view.membershipNumber ?? '', fieldError: view.fieldError, error: view.error },
    view.status,
  );
}

async function request(ctx: Context, app: AppContext, state: SignInState): Promise<void> {
  const typed = body(ctx).membershipNumber;
  let membershipNumber: string;
  try {
    membershipNumber = parseMembershipNumber(typed);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return show(ctx, app, state, { membershipNumber: typed, fieldError: ctx.state.t(error.key), status: 400 });
  }
  const startedAt = performance.now();
  const result = await app.recovery.request({
    binding: state.interaction.uid,
    membershipNumber,
    locale: ctx.state.locale,
    ip: ctx.ip,
  });
  await padResponse(startedAt, app.config.login.minResponseMs);
  if (!result.ok)
    return show(ctx, app, state, { membershipNumber, error: ctx.state.t('recovery.tooMany'), status: 429 });
  seeOther(ctx, `${base(state)}/code`);
}

function codeError(ctx: Context, result: Exclude<CodeCheck, { ok: true }>): { error: string; status: number } {
  const t = ctx.state.t;
  if (result.reason === 'invalid')
    return { error: t('otp.error.invalid', { remaining: result.remaining }), status: 401 };
  if (result.reason === 'tooManyFromHere') return { error: t('otp.error.tooManyFromHere'), status: 429 };
  if (result.reason === 'gone') return { error: t('recovery.error.expired'), status: 410 };
  const keys: Record<typeof result.reason, MessageKey> = {
    malformed: 'otp.error.malformed',
    expired: 'otp.error.expired',
    exhausted: 'otp.error.exhausted',
  };
  return { error: t(keys[result.reason]), status: result.reason === 'malformed' ? 400 : 401 };
}

async function showCode(
  ctx: Context,
  app: AppContext,
  state: SignInState,
  view: { error?: string; status?: number } = {},
): Promise<void> {
  const pending = await app.recovery.pending(state.interaction.uid);
  if (!pending) return seeOther(ctx, base(state));
  if (pending.verified) return seeOther(ctx, `${base(state)}/password`);
  const { uid, csrf } = pageBasics(ctx, state);
  await renderPage(
    ctx,
    'interaction/recovery-code',
    {
      uid,
      csrf,
      membershipNumber: pending.membershipNumber,
      minutes: app.config.otp.ttlMinutes,
      cooldownSeconds: app.config.otp.resendCooldownSeconds,
      error: view.error,
    },
    view.status,
  );
}

async function checkCode(ctx: Context, app: AppContext, state: SignInState): Promise<void> {
  const result = await app.recovery.verify({ binding: state.interaction.uid, code: body(ctx).code, ip: ctx.ip });
  if (result.ok) return seeOther(ctx, `${base(state)}/password`);
  if (result.reason === 'gone') return show(ctx, app, state, { ...codeError(ctx, result) });
  await showCode(ctx, app, state, codeError(ctx, result));
}

async function showPassword(
  ctx: Context,
  app: AppContext,
  state: SignInState,
  view: { error?: string; status?: number } = {},
): Promise<void> {
  const pending = await app.recovery.pending(state.interaction.uid);
  if (!pending?.verified) return seeOther(ctx, `${base(state)}/code`);
  await renderPage(
    ctx,
    'interaction/recovery-password',
    {
      csrf: pageBasics(ctx, state).csrf,
      action: `${base(state)}/password`,
      membershipNumber: pending.membershipNumber,
      minLength: app.config.passwordMinLength,
      backUrl: `/interaction/${state.interaction.uid}`,
      error: view.error,
    },
    view.status,
  );
}

async function setPassword(ctx: Context, app: AppContext, state: SignInState): Promise<void> {
  const { password, confirm } = body(ctx);
  if (password !== confirm)
    return showPassword(ctx, app, state, { error: ctx.state.t('recovery.error.mismatch'), status: 400 });
  const result = await app.recovery.complete({ binding: state.interaction.uid, password });
  if (result.ok) return seeOther(ctx, `/interaction/${state.interaction.uid}?notice=password-changed`);
  if (result.problem === 'expired')
    return show(ctx, app, state, { error: ctx.state.t('recovery.error.expired'), status: 410 });
  await showPassword(ctx, app, state, {
    error: ctx.state.t(result.problem, { min: app.config.passwordMinLength }),
    status: 400,
  });
}

export const recoveryStep: Step = {
  name: 'recovery',
  // Never the step an interaction is at by itself: the member chooses it on the login page.
  when: () => false,
  follows: ['password'],
  show,
  routes: [
    { method: 'get', path: '/recovery', handler: show },
    { method: 'post', path: '/recovery', handler: request },
    { method: 'get', path: '/recovery/code', handler: showCode },
    { method: 'post', path: '/recovery/code', handler: checkCode },
    {
      method: 'post',
      path: '/recovery/resend',
      async handler(ctx, app, state) {
        await app.recovery.resend({ binding: state.interaction.uid, locale: ctx.state.locale, ip: ctx.ip });
        seeOther(ctx, `${base(state)}/code`);
      },
    },
    { method: 'get', path: '/recovery/password', handler: showPassword },
    { method: 'post', path: '/recovery/password', handler: setPassword },
  ],
};
