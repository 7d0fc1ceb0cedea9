import type Router from '@koa/router';
import type { AppContext } from '../../context.js';
import type { ConsoleKit } from './kit.js';

/**
 * Console pages for members: find by membership number, see status and passkeys, lock and
 * unlock, end all sessions, revoke a passkey, and change the e-mail address or mobile number on
 * the member's behalf. Every change goes through a confirmation page.
 */
const MEMBER_ID = /^[0-9a-f-]{36}$/;

export function registerMemberPages(router: Router, _app: AppContext, kit: ConsoleKit): void {
  const { page, render, redirect, confirm, refused, forms } = kit;

  router.get(
    '/admin/members',
    page(async (ctx, visit) => {
      const number = typeof ctx.query.number === 'string' ? ctx.query.number.trim() : '';
      if (!number) return render(ctx, visit, 'members', { number: '', notFound: false, error: undefined });
      const result = await visit.api('GET', `/members?membership_number=${encodeURIComponent(number)}`);
      if (result.status !== 200)
        return render(
          ctx,
          visit,
          'members',
          { number, notFound: false, error: String(result.data.error_description) },
          400,
        );
      const [member] = result.data.members as Array<{ id: string }>;
      if (!member) return render(ctx, visit, 'members', { number, notFound: true, error: undefined }, 404);
      ctx.status = 303;
      ctx.redirect(`/admin/members/${member.id}`);
    }),
  );

  router.get(
    '/admin/members/:id',
    page(async (ctx, visit) => {
      const id = ctx.params.id!;
      const result = MEMBER_ID.test(id) ? await visit.api('GET', `/members/${id}`) : { status: 404, data: {} };
      if (result.status !== 200) return refused(ctx, visit, result, '/admin/members');
      await render(ctx, visit, 'member', { member: result.data, values: {}, error: undefined });
    }),
  );

  const actions = {
    lock: { ask: 'admin.members.lockConfirm', done: 'admin.members.locked', path: 'lock' },
    unlock: { ask: 'admin.members.unlockConfirm', done: 'admin.members.unlocked', path: 'unlock' },
    'end-sessions': {
      ask: 'admin.members.endSessionsConfirm',
      done: 'admin.members.sessionsEnded',
      path: 'sessions/revoke',
    },
    'recovery-link': {
      ask: 'admin.members.recoveryLinkConfirm',
      done: 'admin.members.recoveryLinkSent',
      path: 'recovery-link',
    },
  } as const;
  const titles = {
    lock: 'admin.members.lock',
    unlock: 'admin.members.unlock',
    'end-sessions': 'admin.members.endSessions',
    'recovery-link': 'admin.members.recoveryLink',
  } as const;

  for (const [name, action] of Object.entries(actions)) {
    router.get(
      `/admin/members/:id/${name}`,
      page(async (ctx, visit) => {
        const id = ctx.params.id!;
        const current = MEMBER_ID.test(id) ? await visit.api('GET', `/members/${id}`) : { status: 404, data: {} };
        if (current.status !== 200) return refused(ctx, visit, current, '/admin/members');
        const t = ctx.state.t;
        // The service centre's path: a member without a verified address gets one first (contact change).
        if (name === 'recovery-link' && !current.data.email_verified) {
          return refused(
            ctx,
            visit,
            { status: 409, data: { error_description: t('admin.members.recoveryLinkNoEmail') } },
            `/admin/members/${id}`,
          );
        }
        await confirm(ctx, visit, {
          title: t(titles[name as keyof typeof titles]),
          message: t(action.ask, { number: current.data.membership_number, email: current.data.email ?? '' }),
          action: `/admin/members/${id}/${name}`,
          back: `/admin/members/${id}`,
        });
      }),
    );

    router.post(
      `/admin/members/:id/${name}`,
      forms,
      page(async (ctx, visit) => {
        const id = ctx.params.id!;
        if (!MEMBER_ID.test(id)) return refused(ctx, visit, { status: 404, data: {} }, '/admin/members');
        const result = await visit.api('POST', `/members/${id}/${action.path}`);
        if (result.status !== 200) return refused(ctx, visit, result, `/admin/members/${id}`);
        await redirect(ctx, visit, `/admin/members/${id}`, action.done);
      }),
    );
  }

  router.get(
    '/admin/members/:id/passkeys/:credentialId/revoke',
    page(async (ctx, visit) => {
      const id = ctx.params.id!;
      const current = MEMBER_ID.test(id) ? await visit.api('GET', `/members/${id}`) : { status: 404, data: {} };
      const passkey = (current.data.passkeys as Array<{ id: string; name: string }> | undefined)?.find(
        (p) => p.id === ctx.params.credentialId,
      );
      if (current.status !== 200 || !passkey)
        return refused(ctx, visit, { status: 404, data: {} }, `/admin/members/${MEMBER_ID.test(id) ? id : ''}`);
      const t = ctx.state.t;
      await confirm(ctx, visit, {
        title: t('admin.members.revokePasskey'),
        message: t('admin.members.revokeConfirm', { name: passkey.name, number: current.data.membership_number }),
        action: `/admin/members/${id}/passkeys/${encodeURIComponent(passkey.id)}/revoke`,
        back: `/admin/members/${id}`,
      });
    }),
  );

  router.post(
    '/admin/members/:id/passkeys/:credentialId/revoke',
    forms,
    page(async (ctx, visit) => {
      const id = ctx.params.id!;
      if (!MEMBER_ID.test(id)) return refused(ctx, visit, { status: 404, data: {} }, '/admin/members');
      const result = await visit.api(
        'DELETE',
        `/members/${id}/passkeys/${encodeURIComponent(ctx.params.credentialId!)}`,
      );
      if (result.status !== 204) return refused(ctx, visit, result, `/admin/members/${id}`);
      await redirect(ctx, visit, `/admin/members/${id}`, 'admin.members.passkeyRevoked');
    }),
  );

  // Contact change on the member's behalf: a form, a review page, then the change.
  router.post(
    '/admin/members/:id/contact/review',
    forms,
    page(async (ctx, visit) => {
      const id = ctx.params.id!;
      const current = MEMBER_ID.test(id) ? await visit.api('GET', `/members/${id}`) : { status: 404, data: {} };
      if (current.status !== 200) return refused(ctx, visit, current, '/admin/members');
      const form = (ctx.request.body ?? {}) as { email?: string; phone?: string };
      const email = (form.email ?? '').trim();
      const phone = (form.phone ?? '').trim();
      const t = ctx.state.t;
      if (!email && !phone)
        return render(
          ctx,
          visit,
          'member',
          { member: current.data, values: form, error: t('admin.members.contactEmpty') },
          400,
        );
      const change = [
        email ? `${t('account.field.email')} → ${email}` : '',
        phone ? `${t('account.field.phone')} → ${phone}` : '',
      ]
        .filter(Boolean)
        .join(', ');
      await confirm(ctx, visit, {
        title: t('admin.members.contact'),
        message: t('admin.members.contactConfirm', { number: current.data.membership_number, change }),
        action: `/admin/members/${id}/contact`,
        fields: { ...(email ? { email } : {}), ...(phone ? { phone } : {}) },
        back: `/admin/members/${id}`,
      });
    }),
  );

  router.post(
    '/admin/members/:id/contact',
    forms,
    page(async (ctx, visit) => {
      const id = ctx.params.id!;
      if (!MEMBER_ID.test(id)) return refused(ctx, visit, { status: 404, data: {} }, '/admin/members');
      const form = (ctx.request.body ?? {}) as { email?: string; phone?: string };
      const body = { ...(form.email ? { email: form.email } : {}), ...(form.phone ? { phone: form.phone } : {}) };
      const result = await visit.api('PATCH', `/members/${id}/contact`, body);
      if (result.status === 200) return redirect(ctx, visit, `/admin/members/${id}`, 'admin.members.contactChanged');
      const current = await visit.api('GET', `/members/${id}`);
      if (result.status === 403 || current.status !== 200) return refused(ctx, visit, result, `/admin/members/${id}`);
      await render(
        ctx,
        visit,
        'member',
        { member: current.data, values: form, error: String(result.data.error_description) },
        result.status,
      );
    }),
  );
}
