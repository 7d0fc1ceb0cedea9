import { randomBytes } from 'node:crypto';
import type { AuditLibrary } from '../audit/library.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { formatJst, type Locale } from '../i18n/index.js';
import type { RateLimiter } from '../limits/library.js';
import type { Logger } from '../log.js';
import type { MembersLibrary } from '../members/library.js';
import type { Member } from '../members/model.js';
import { type PasswordProblem, passwordProblem } from '../members/password-policy.js';
import type { Notices } from '../notices/library.js';
import type { Metrics } from '../observability/metrics.js';
import { alternativeFor, destinationFor } from '../otp/destination.js';
import { issueRequestFor, type OtpLibrary } from '../otp/library.js';
import type { Hmac } from '../security/hmac.js';
import type { Recovery, RecoveryLinkModel, RecoveryModel } from './model.js';

/**
 * A member who forgot the password gets back in (NIST SP 800-63B: a code to a channel the member
 * proved, then a new password). Two ways:
 * - self-service, inside a sign-in: the membership number, a one-time password to its
 *   notification destination, a new password; the page and the timing are the same whether the
 *   number exists or not, and an unknown number sends nothing;
 * - through the service centre: an admin sends a single-use link (24 hours) to the member's
 *   verified e-mail address.
 * Either way the new password ends every session and refresh token of the member, and the member
 * is told by e-mail. The reset itself never signs anyone in.
 */
const LINK_HOURS = 24;

export type CodeCheck =
  | { ok: true }
  | { ok: false; reason: 'malformed' | 'expired' | 'exhausted' | 'tooManyFromHere' | 'gone' }
  | { ok: false; reason: 'invalid'; remaining: number };

export type Completion = { ok: true; member: Member } | { ok: false; problem: PasswordProblem | 'expired' };

export function createRecoveryLibrary(deps: {
  recoveries: RecoveryModel;
  links: RecoveryLinkModel;
  members: MembersLibrary;
  otp: OtpLibrary;
  limiter: RateLimiter;
  notices: Notices;
  audit: AuditLibrary;
  hmac: Hmac;
  clock: Clock;
  config: Config;
  logger: Logger;
  metrics: Metrics;
  issuer: string;
  /** Ends every session and refresh token of the member, telling the relying apps. */
  signOutEverywhere(memberId: string): Promise<unknown>;
}) {
  const { recoveries, links, members, otp, limiter, notices, audit, hmac, clock, config, logger } = deps;
  const ttlMs = config.otp.ttlMinutes * 60_000;
  const linkId = (token: string) => hmac.digest('recovery-link', token);

  /** A code to the member's notification destination, in the background: the page never waits for it. */
  function sendCode(member: Member | null, binding: string, locale: Locale, ip: string): void {
    if (member?.status !== 'active') return;
    const destination = destinationFor(member, 'password-reset', config);
    if (!destination.ok) return;
    const request = issueRequestFor(member, {
      purpose: 'password-reset',
      binding,
      channel: destination.channel,
      destination: destination.destination,
      locale,
      ip,
    });
    // While the SMS guard holds SMS back, the code goes to the verified e-mail address instead.
    const fallback = alternativeFor(member, 'password-reset', config);
    const send = async () => {
      const sent = await otp.issue(request);
      if (!sent.ok && sent.reason === 'smsUnavailable' && fallback?.channel === 'email')
        await otp.issue({ ...request, ...fallback });
    };
    send().catch((error: unknown) => logger.error({ err: error }, 'could not send a password reset code'));
  }

  async function live(binding: string): Promise<Recovery | null> {
    const record = await recoveries.findById(binding).lean<Recovery>();
    return record && record.expiresAt.getTime() > clock.now().getTime() ? record : null;
  }

  /** After the new password: the member's old sessions and tokens end, and the member hears of it. */
  async function passwordChanged(member: Member, actor: string | undefined): Promise<void> {
    await members.clearLoginFailures(member.membershipNumber);
    await deps.signOutEverywhere(member._id);
    await audit.record({
      type: 'password.reset',
      outcome: 'success',
      memberId: member._id,
      actor,
      detail: { by: actor ? 'service-centre' : 'member' },
    });
    await notices.send(member, 'passwordChanged', {});
  }

  async function checkedPassword(member: Member, password: string): Promise<PasswordProblem | undefined> {
    return passwordProblem(password, {
      minLength: config.passwordMinLength,
      membershipNumber: member.membershipNumber,
      currentHash: member.passwordHash,
    });
  }

  return {
    /**
     * Starts (or restarts) a reset for the number typed in this sign-in. The same work and the
     * same answer whether or not the number is a member's.
     */
    async request(input: {
      binding: string;
      membershipNumber: string;
      locale: Locale;
      ip: string;
    }): Promise<{ ok: boolean }> {
      const budget = await limiter.hit(
        `recovery-ip:${hmac.digest('rate-limit', input.ip)}`,
        config.otp.perIpPerHour,
        3600,
      );
      if (!budget.allowed) {
        deps.metrics.refused('recovery_per_network');
        return { ok: false };
      }
      const member = await members.findByMembershipNumber(input.membershipNumber);
      const now = clock.now();
      await recoveries.replaceOne(
        { _id: input.binding },
        {
          memberId: member?._id ?? null,
          membershipNumber: input.membershipNumber,
          attempts: 0,
          createdAt: now,
          expiresAt: new Date(now.getTime() + ttlMs),
        },
        { upsert: true },
      );
      await audit.record({
        type: 'password.reset_requested',
        outcome: 'success',
        memberId: member?._id,
        detail: { known: Boolean(member) },
      });
      sendCode(member, input.binding, input.locale, input.ip);
      return { ok: true };
    },

    /** The reset in progress in this sign-in: the number as typed, and whether its code was confirmed. */
    async pending(binding: string): Promise<{ membershipNumber: string; verified: boolean } | null> {
      const record = await live(binding);
      return record ? { membershipNumber: record.membershipNumber, verified: Boolean(record.verifiedAt) } : null;
    },

    /** A new code for the reset in progress (the cooldown and caps of every code apply). */
    async resend(input: { binding: string; locale: Locale; ip: string }): Promise<void> {
      const record = await live(input.binding);
      if (!record) return;
      await recoveries.updateOne({ _id: input.binding }, { $set: { createdAt: clock.now(), attempts: 0 } });
      sendCode(record.memberId ? await members.findById(record.memberId) : null, input.binding, input.locale, input.ip);
    },

    /** Checks the code; an unknown number's code is "wrong" exactly like a known one's. */
    async verify(input: { binding: string; code: unknown; ip: string }): Promise<CodeCheck> {
      const record = await live(input.binding);
      if (!record) return { ok: false, reason: 'gone' };
      const result = await otp.verify({
        memberId: record.memberId,
        purpose: 'password-reset',
        binding: input.binding,
        code: input.code,
        ip: input.ip,
      });
      if (result.ok) {
        await recoveries.updateOne({ _id: input.binding }, { $set: { verifiedAt: clock.now() } });
        return { ok: true };
      }
      if (result.reason !== 'none' && result.reason !== 'used')
        return result.reason === 'invalid' ? result : { ok: false, reason: result.reason };
      // No code behind it (an unknown number, or one without a destination): counted here instead.
      const counted = await recoveries
        .findOneAndUpdate({ _id: input.binding }, { $inc: { attempts: 1 } }, { returnDocument: 'after' })
        .lean<Recovery>();
      const attempts = counted?.attempts ?? config.otp.maxAttempts;
      if (clock.now().getTime() > record.createdAt.getTime() + ttlMs) return { ok: false, reason: 'expired' };
      if (attempts >= config.otp.maxAttempts) return { ok: false, reason: 'exhausted' };
      return { ok: false, reason: 'invalid', remaining: config.otp.maxAttempts - attempts };
    },

    /** The new password, within STEP_UP_MINUTES of the confirmed code. */
    async complete(input: { binding: string; password: string }): Promise<Completion> {
      const record = await live(input.binding);
      const fresh =
        record?.verifiedAt && clock.now().getTime() - record.verifiedAt.getTime() < config.otp.stepUpMinutes * 60_000;
      const member = fresh && record.memberId ? await members.findById(record.memberId) : null;
      if (member?.status !== 'active') return { ok: false, problem: 'expired' };
      const problem = await checkedPassword(member, input.password);
      if (problem) {
        await audit.record({
          type: 'password.reset_refused',
          outcome: 'failure',
          memberId: member._id,
          detail: { reason: problem },
        });
        return { ok: false, problem };
      }
      const updated = await members.setPassword(member._id, input.password);
      await recoveries.deleteOne({ _id: input.binding });
      await passwordChanged(updated ?? member, undefined);
      return { ok: true, member: updated ?? member };
    },

    /**
     * The service centre's way: a single-use link (24 hours) to the member's verified e-mail
     * address; a new link replaces the previous one.
     */
    async sendLink(
      memberId: string,
      issuedBy: string,
    ): Promise<{ ok: true; email: string } | { ok: false; problem: 'notFound' | 'noEmail' }> {
      const member = await members.findById(memberId);
      if (!member) return { ok: false, problem: 'notFound' };
      if (!member.email || !member.emailVerified) return { ok: false, problem: 'noEmail' };
      const token = randomBytes(32).toString('base64url');
      const expiresAt = new Date(clock.now().getTime() + LINK_HOURS * 3600_000);
      await links.deleteMany({ memberId });
      await links.create({ _id: linkId(token), memberId, issuedBy, expiresAt });
      const expires = `${formatJst(member.locale, expiresAt, { dateStyle: 'long', timeStyle: 'short' })} JST`;
      await notices.send(member, 'recoveryLink', { link: `${deps.issuer}/recover/${token}`, expires });
      await audit.record({ type: 'member.recovery_link_sent', outcome: 'success', memberId, actor: issuedBy });
      return { ok: true, email: member.email };
    },

    /** The member a link is for, while it is valid. */
    async linkMember(token: string): Promise<Member | null> {
      if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
      const link = await links.findById(linkId(token)).lean();
      if (!link || link.expiresAt.getTime() <= clock.now().getTime()) return null;
      const member = await members.findById(link.memberId);
      return member && member.status === 'active' ? member : null;
    },

    /** Sets the password through a link, using it up (atomically: it works once). */
    async completeLink(token: string, password: string): Promise<Completion> {
      const member = await this.linkMember(token);
      if (!member) return { ok: false, problem: 'expired' };
      const problem = await checkedPassword(member, password);
      if (problem) return { ok: false, problem };
      const link = await links.findOneAndDelete({ _id: linkId(token), expiresAt: { $gt: clock.now() } }).lean();
      if (!link) return { ok: false, problem: 'expired' };
      const updated = await members.setPassword(member._id, password);
      await passwordChanged(updated ?? member, link.issuedBy);
      return { ok: true, member: updated ?? member };
    },
  };
}
export type RecoveryLibrary = ReturnType<typeof createRecoveryLibrary>;
