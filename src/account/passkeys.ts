import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { memberDestination } from '../code-flow/flow.js';
import type { AppContext } from '../context.js';
import { jsonBody } from '../http/body.js';
import { defaultPasskeyName, jsonError, jsonOk, parseRegistration } from '../http/passkey-ceremony.js';
import { passkeyDevice } from '../http/passkey-device.js';
import { renderPage } from '../http/render.js';
import { formatJst } from '../i18n/index.js';
import { memberAsOwner } from '../passkeys/library.js';
import { type AccountVisit, accountReturnPath, redirectWithNotice, visit } from './guard.js';
import { type AccountCode, registerCodeRoutes } from './verify.js';

const ceremonyJson = jsonBody();

/**
 * My account → Passkeys: list (name, created, last used, synced or device-bound), add (only
 * after an SMS code within the last STEP_UP_MINUTES, seed 000), rename, delete. The page signals
 * the password manager (WebAuthn Signal API) so it stops offering deleted passkeys.
 */
const ID = /^[A-Za-z0-9_-]{1,1400}$/;
const nameSchema = z.string().trim().min(1).max(64);

export function registerPasskeyRoutes(router: Router, app: AppContext, forms: Middleware): void {
  const smsCode: AccountCode = {
    purpose: 'passkey-registration',
    base: '/account/passkeys/sms',
    heading: 'passkey.sms.heading',
    intro: 'passkey.sms.intro',
    stepUp: true,
    destination: (current) => memberDestination(current.member, 'passkey-registration', app.config),
    async verified(ctx) {
      ctx.status = 303;
      ctx.redirect('/account/passkeys/new');
    },
  };
  /** An SMS code in this account session within STEP_UP_MINUTES (seed 000: before registering). */
  const smsIsFresh = (current: AccountVisit) =>
    app.otp.smsVerifiedWithin(current.member._id, current.session._id, app.config.otp.stepUpMinutes);

  async function list(ctx: Context, current: AccountVisit, view: { error?: string; status?: number } = {}) {
    const flash = await app.consoles.sessions.takeFlash(current.session);
    // A passkey deleted by the previous request: the page asks the password manager to drop it.
    const { removedPasskey: removed, ...rest } = current.session.pending ?? {};
    if (removed) await app.consoles.sessions.update(current.session._id, { pending: rest });
    const formatDate = (date: Date | undefined) =>
      date ? formatJst(ctx.state.locale, date, { dateStyle: 'medium', timeStyle: 'short' }) : undefined;
    await renderPage(
      ctx,
      'account/passkeys',
      {
        csrf: current.csrf,
        passkeys: await app.passkeys.list(current.member._id),
        formatDate,
        signals: await app.passkeys.signalsFor(memberAsOwner(current.member)),
        removed: removed || undefined,
        notice: flash ? ctx.state.t(flash) : undefined,
        error: view.error,
      },
      view.status,
    );
  }

  router.get('/account/passkeys', async (ctx) => {
    const current = await visit(ctx, app, { stepUp: true });
    if (current) await list(ctx, current);
  });

  router.get('/account/passkeys/new', async (ctx) => {
    const current = await visit(ctx, app, { stepUp: true });
    if (!current) return;
    if (!(await smsIsFresh(current))) {
      ctx.status = 303;
      return ctx.redirect('/account/passkeys/sms');
    }
    await renderPage(ctx, 'passkey/register', {
      csrf: current.csrf,
      accountNav: true,
      optionsUrl: '/account/passkeys/register/options',
      verifyUrl: '/account/passkeys/register/verify',
      backUrl: '/account/passkeys',
      backLabel: ctx.state.t('common.cancel'),
    });
  });

  registerCodeRoutes(router, app, forms, smsCode);

  // Right after an SMS step-up (account/verify.ts): that code counts as the SMS check, so
  // creating a passkey needs no second one. "Not now" is remembered for 30 days.
  router.get('/account/passkeys/offer', async (ctx) => {
    const current = await visit(ctx, app, { stepUp: true });
    if (!current) return;
    const back = encodeURIComponent(accountReturnPath(ctx.query.return));
    await renderPage(ctx, 'interaction/passkey-offer', {
      body: ctx.state.t('passkey.offer.afterSms.body'),
      createUrl: '/account/passkeys/new',
      laterUrl: `/account/passkeys/offer/later?return=${back}`,
    });
  });
  router.get('/account/passkeys/offer/later', async (ctx) => {
    const current = await visit(ctx, app, { stepUp: true });
    if (!current) return;
    passkeyDevice.later(ctx, app.hmac, current.member._id);
    ctx.status = 303;
    ctx.redirect(accountReturnPath(ctx.query.return));
  });

  // The ceremony's JSON endpoints (CSRF in a header; errors as JSON).
  const ceremony = (handler: (ctx: Context, current: AccountVisit) => Promise<void>) => async (ctx: Context) => {
    ctx.state.api = true;
    await ceremonyJson(ctx, async () => {});
    const current = await visit(ctx, app, { stepUp: true, csrfHeader: true });
    if (!current)
      return jsonError(ctx, 401, ctx.state.t('console.error.noSignInInProgress'), { redirect: '/account/passkeys' });
    if (!(await smsIsFresh(current))) {
      return jsonError(ctx, 403, ctx.state.t('passkey.register.expired', { minutes: app.config.otp.stepUpMinutes }), {
        redirect: '/account/passkeys/sms',
      });
    }
    await handler(ctx, current);
  };

  router.post(
    '/account/passkeys/register/options',
    ceremony(async (ctx, current) => {
      jsonOk(ctx, await app.passkeys.registrationOptions(memberAsOwner(current.member), current.session._id));
    }),
  );

  router.post(
    '/account/passkeys/register/verify',
    ceremony(async (ctx, current) => {
      const result = await app.passkeys.register({
        owner: memberAsOwner(current.member),
        binding: current.session._id,
        response: parseRegistration(ctx),
        defaultName: defaultPasskeyName(ctx, app.clock),
      });
      if (!result.ok)
        return jsonError(
          ctx,
          400,
          ctx.state.t(result.reason === 'duplicate' ? 'passkey.register.exists' : 'passkey.register.failed'),
        );
      passkeyDevice.remember(ctx, app.hmac, current.member._id);
      await app.consoles.sessions.update(current.session._id, { flash: 'passkeys.added' });
      jsonOk(ctx, { redirect: '/account/passkeys', signals: result.signals });
    }),
  );

  router.post('/account/passkeys/:id/rename', forms, async (ctx) => {
    const current = await visit(ctx, app, { stepUp: true });
    if (!current) return;
    const id = String(ctx.params.id);
    const name = nameSchema.safeParse((ctx.request.body as { name?: unknown } | undefined)?.name);
    if (!name.success) return list(ctx, current, { error: ctx.state.t('passkeys.nameInvalid'), status: 400 });
    if (!ID.test(id) || !(await app.passkeys.rename(current.member._id, id, name.data))) {
      return list(ctx, current, { error: ctx.state.t('passkeys.notFound'), status: 404 });
    }
    await app.audit.record({
      type: 'passkey.renamed',
      outcome: 'success',
      memberId: current.member._id,
      detail: { name: name.data },
    });
    await redirectWithNotice(ctx, app, current.session._id, '/account/passkeys', 'passkeys.renamed');
  });

  router.get('/account/passkeys/:id/delete', async (ctx) => {
    const current = await visit(ctx, app, { stepUp: true });
    if (!current) return;
    const passkey = (await app.passkeys.list(current.member._id)).find((p) => p._id === ctx.params.id);
    if (!passkey) return list(ctx, current, { error: ctx.state.t('passkeys.notFound'), status: 404 });
    await renderPage(ctx, 'account/passkey-delete', { csrf: current.csrf, passkey });
  });

  router.post('/account/passkeys/:id/delete', forms, async (ctx) => {
    // Deleting needs a fresh one-time-password step-up, like every change here.
    const current = await visit(ctx, app, { stepUp: true });
    if (!current) return;
    const id = String(ctx.params.id);
    const removed = ID.test(id) ? await app.passkeys.remove(current.member._id, id) : null;
    if (!removed) return list(ctx, current, { error: ctx.state.t('passkeys.notFound'), status: 404 });
    await app.audit.record({
      type: 'passkey.removed',
      outcome: 'success',
      memberId: current.member._id,
      detail: { name: removed.name },
    });
    await app.consoles.sessions.update(current.session._id, {
      flash: 'passkeys.deleted',
      pending: { ...current.session.pending, removedPasskey: removed._id },
    });
    ctx.status = 303;
    ctx.redirect('/account/passkeys');
  });
}
