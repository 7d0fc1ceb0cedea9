import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import type { MessageKey } from '../i18n/index.js';
import { maskEmail } from '../members/email.js';
import type { ChangeResult } from '../members/library.js';
import type { Member } from '../members/model.js';
import { maskPhone } from '../members/phone.js';
import { type AccountVisit, visit } from './guard.js';
import { type AccountCode, accountCodeFlow, registerCodeRoutes } from './verify.js';

/**
 * The end of a contact change whose new value a code has just confirmed: store it, forget the
 * pending value, audit the outcome (masked), then let the page say what happened.
 */
const FIELDS = {
  email: {
    type: 'profile.email_changed',
    mask: maskEmail,
    change: 'changeEmail',
    channel: 'email',
    purpose: 'email-change',
  },
  phone: {
    type: 'profile.phone_changed',
    mask: maskPhone,
    change: 'changePhone',
    channel: 'sms',
    purpose: 'phone-change',
  },
} as const;
type Field = keyof typeof FIELDS;
type Problem = Extract<ChangeResult, { ok: false }>['problem'];

export interface ContactChange {
  field: Field;
  /** Whether this member may change it here (self-service countries). */
  allowed(member: Member): boolean;
  /** The typed value as it will be stored, or what is wrong with it (translated). */
  check(ctx: Context, typed: string, member: Member): { value: string } | { errors: string[] };
  messages: { same: MessageKey; taken: MessageKey };
  show(
    ctx: Context,
    current: AccountVisit,
    view?: { value?: string; errors?: string[]; status?: number },
  ): Promise<void>;
  /** After the change: tell the member, and where the browser goes. */
  done(
    ctx: Context,
    current: AccountVisit,
    changed: { member: Member; previous: Member; value: string },
  ): Promise<void>;
}

/**
 * A contact change, the seed's way: the form (GET/POST /account/{field}, after a fresh step-up),
 * then a code to the new value kept in the session (/account/{field}/confirm, which needs no
 * fresh step-up: the change was asked for with one), then the change.
 */
export function registerContactChange(router: Router, app: AppContext, forms: Middleware, change: ContactChange): void {
  const { field } = change;
  const confirmation: AccountCode = {
    purpose: FIELDS[field].purpose,
    base: `/account/${field}/confirm`,
    heading: `account.${field}.confirm.heading`,
    intro: `account.${field}.confirm.intro`,
    stepUp: false,
    destination: (current) => {
      const value = current.session.pending?.[field];
      return value ? { channel: FIELDS[field].channel, destination: value } : { problem: 'otp.error.none' };
    },
    verified: (ctx, current, verified) =>
      completeContactChange(app, current, {
        field,
        value: verified.destination,
        refused: (problem) =>
          change.show(ctx, current, {
            errors: [ctx.state.t(problem === 'same' ? change.messages.same : change.messages.taken)],
            status: 409,
          }),
        done: (member, previous) => change.done(ctx, current, { member, previous, value: verified.destination }),
      }),
  };

  router.get(`/account/${field}`, async (ctx) => {
    const current = await visit(ctx, app, { stepUp: true });
    if (current) await change.show(ctx, current);
  });

  router.post(`/account/${field}`, forms, async (ctx) => {
    const current = await visit(ctx, app, { stepUp: true });
    if (!current) return;
    if (!change.allowed(current.member)) return change.show(ctx, current, { status: 403 });
    const typed = form.safeParse(ctx.request.body ?? {}).data?.[field] ?? '';
    const checked = change.check(ctx, typed, current.member);
    if ('errors' in checked) return change.show(ctx, current, { value: typed, errors: checked.errors, status: 400 });
    const pending = { ...current.session.pending, [field]: checked.value };
    await app.consoles.sessions.update(current.session._id, { pending });
    // Sends to the new value and redirects to the confirmation page (or shows why not).
    await accountCodeFlow(ctx, app, { ...current, session: { ...current.session, pending } }, confirmation).send();
  });

  registerCodeRoutes(router, app, forms, confirmation);
}

const form = z.object({ email: z.string().max(320).optional(), phone: z.string().max(64).optional() });

async function completeContactChange(
  app: AppContext,
  current: AccountVisit,
  change: {
    field: Field;
    value: string;
    refused(problem: Problem): Promise<void>;
    done(member: Member, previous: Member): Promise<void>;
  },
): Promise<void> {
  const field = FIELDS[change.field];
  const memberId = current.member._id;
  const result = await app.members[field.change](memberId, change.value);
  await app.consoles.sessions.update(current.session._id, {}, ['pending']);
  if (!result.ok) {
    await app.audit.record({ type: field.type, outcome: 'failure', memberId, detail: { reason: result.problem } });
    return change.refused(result.problem);
  }
  const before = result.previous[change.field];
  await app.audit.record({
    type: field.type,
    outcome: 'success',
    memberId,
    detail: { from: before ? field.mask(before) : null, to: field.mask(change.value) },
  });
  await change.done(result.member, result.previous);
}
