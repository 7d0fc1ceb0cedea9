import { randomBytes, randomInt } from 'node:crypto';
import type { AuditLibrary } from '../audit/library.js';
import { type Clock, secondsUntil } from '../clock.js';
import type { Config } from '../config.js';
import type { Locale } from '../i18n/index.js';
import type { RateLimiter } from '../limits/library.js';
import type { Logger } from '../log.js';
import { maskEmail } from '../members/email.js';
import type { Member } from '../members/model.js';
import { maskPhone } from '../members/phone.js';
import type { Messenger } from '../messaging/messenger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Hmac } from '../security/hmac.js';
import { composeOtpMessage } from './messages.js';
import type { OtpChannel, OtpModel, OtpPurpose } from './model.js';
import type { SmsGuard } from './sms-guard.js';

/**
 * Issuing and checking one-time passwords: 6 digits from a CSPRNG, valid OTP_TTL_MINUTES, single
 * use, only the latest valid, stored as an HMAC, at most `maxAttempts` tries, with a resend
 * cooldown and hourly caps per member, destination and IP so the SMS budget cannot be pumped; an
 * SMS also passes the toll-fraud controls of sms-guard.ts.
 */
export interface IssueRequest {
  memberId: string;
  memberName: string;
  purpose: OtpPurpose;
  binding: string;
  channel: OtpChannel;
  destination: string;
  locale: Locale;
  ip: string;
}

/** An issue request for a member: their name goes into the message. */
export function issueRequestFor(member: Member, fields: Omit<IssueRequest, 'memberId' | 'memberName'>): IssueRequest {
  return { memberId: member._id, memberName: `${member.familyName} ${member.givenName}`, ...fields };
}

export type IssueResult =
  | { ok: true; channel: OtpChannel; maskedDestination: string; expiresAt: Date; resendAt: Date }
  | { ok: false; reason: 'cooldown'; retryAfterSeconds: number }
  | { ok: false; reason: 'tooMany' }
  | { ok: false; reason: 'deliveryFailed'; channel: OtpChannel }
  /** No SMS may go there (calling code), or none now (the SMS budget, the number's range): nothing was sent. */
  | { ok: false; reason: 'smsUnavailable'; cause: 'callingCode' | 'prefix' | 'budget' };

export type VerifyResult =
  | { ok: true; channel: OtpChannel; destination: string }
  | { ok: false; reason: 'malformed' | 'none' | 'expired' | 'used' | 'exhausted' | 'tooManyFromHere' }
  | { ok: false; reason: 'invalid'; remaining: number };

export interface CodeStatus {
  channel: OtpChannel;
  maskedDestination: string;
  expiresAt: Date;
  resendAt: Date;
}

export function maskDestination(channel: OtpChannel, destination: string): string {
  return channel === 'sms' ? maskPhone(destination) : maskEmail(destination);
}

export function normaliseCode(input: unknown): string | undefined {
  if (typeof input !== 'string') return undefined;
  const code = input.normalize('NFKC').replace(/[\s-]/g, '');
  return /^\d{6}$/.test(code) ? code : undefined;
}

export interface OtpLibrary {
  issue(request: IssueRequest): Promise<IssueResult>;
  verify(request: {
    /** null: no such member (a reset for an unknown number); only the per-network budget is spent. */
    memberId: string | null;
    purpose: OtpPurpose;
    binding: string;
    code: unknown;
    ip: string;
  }): Promise<VerifyResult>;
  /** The live code of a flow, for the code entry page (where it went, when it expires). */
  status(memberId: string, purpose: OtpPurpose, binding: string): Promise<CodeStatus | undefined>;
  /**
   * Whether the member entered a code sent by SMS in this flow (any purpose) within the last
   * `minutes`: the check the seed requires before a passkey is registered.
   */
  smsVerifiedWithin(memberId: string, binding: string, minutes: number): Promise<boolean>;
}

export function createOtpLibrary(deps: {
  model: OtpModel;
  limiter: RateLimiter;
  hmac: Hmac;
  clock: Clock;
  config: Config;
  messenger: Messenger;
  logger: Logger;
  audit: AuditLibrary;
  metrics: Metrics;
  smsGuard: SmsGuard;
}): OtpLibrary {
  const { model, limiter, hmac, clock, config, messenger, logger, audit, metrics, smsGuard } = deps;
  const rules = config.otp;
  const key = (kind: string, subject: string) => `otp-${kind}:${hmac.digest('rate-limit', subject)}`;
  const hashOf = (codeId: string, code: string) => hmac.digest('otp', `${codeId}:${code}`);
  const host = new URL(config.issuer).host;

  /** One verification, without the network's budget. */
  async function check({
    memberId,
    purpose,
    binding,
    code: input,
  }: Parameters<OtpLibrary['verify']>[0]): Promise<VerifyResult> {
    const code = normaliseCode(input);
    if (!code) return { ok: false, reason: 'malformed' };
    // Nobody to check against (a reset for an unknown number): a failure like any other to verify.
    if (memberId === null) return { ok: false, reason: 'none' };
    const now = clock.now();
    // Reserve a try before comparing, so parallel guesses cannot exceed the limit.
    const reserved = await model
      .findOneAndUpdate(
        {
          memberId,
          purpose,
          binding,
          consumedAt: null,
          attempts: { $lt: rules.maxAttempts },
          expiresAt: { $gt: now },
        },
        { $inc: { attempts: 1 } },
        { returnDocument: 'after' },
      )
      .lean();
    if (!reserved) {
      const existing = await model.findOne({ memberId, purpose, binding }).lean();
      const reason = !existing
        ? 'none'
        : existing.consumedAt
          ? 'used'
          : existing.expiresAt <= now
            ? 'expired'
            : 'exhausted';
      await audit.record({ type: 'otp.failed', outcome: 'failure', memberId, detail: { purpose, reason } });
      return { ok: false, reason };
    }
    if (!hmac.matches('otp', `${reserved.codeId}:${code}`, reserved.codeHash)) {
      const remaining = rules.maxAttempts - reserved.attempts;
      await audit.record({
        type: remaining > 0 ? 'otp.failed' : 'otp.exhausted',
        outcome: 'failure',
        memberId,
        detail: { purpose, reason: 'wrong code' },
      });
      return remaining > 0 ? { ok: false, reason: 'invalid', remaining } : { ok: false, reason: 'exhausted' };
    }
    const consumed = await model
      .findOneAndUpdate({ memberId, purpose, codeId: reserved.codeId, consumedAt: null }, { $set: { consumedAt: now } })
      .lean();
    if (!consumed) return { ok: false, reason: 'used' };
    metrics.otp('verified', reserved.channel, reserved.destination);
    await audit.record({
      type: 'otp.verified',
      outcome: 'success',
      memberId,
      detail: { purpose, channel: reserved.channel },
    });
    return { ok: true, channel: reserved.channel, destination: reserved.destination };
  }

  return {
    async issue(request) {
      const { memberId, purpose, channel, destination } = request;
      const cooldownKey = key('cooldown', `${memberId}:${purpose}`);
      const cooldown = await limiter.hit(cooldownKey, 1, rules.resendCooldownSeconds);
      if (!cooldown.allowed) {
        metrics.refused('otp_resend_cooldown');
        return { ok: false, reason: 'cooldown', retryAfterSeconds: secondsUntil(clock, cooldown.resetAt) };
      }
      // Every cap counts this attempt, even when another cap refuses it.
      const caps = await Promise.all([
        limiter.hit(key('member', memberId), rules.perMemberPerHour, 3600),
        limiter.hit(key('destination', destination), rules.perDestinationPerHour, 3600),
        limiter.hit(key('ip', request.ip), rules.perIpPerHour, 3600),
      ]);
      if (caps.some((cap) => !cap.allowed)) {
        metrics.refused('otp_send_caps');
        await audit.record({ type: 'otp.refused', outcome: 'failure', memberId, detail: { purpose, reason: 'caps' } });
        return { ok: false, reason: 'tooMany' };
      }
      const sms = channel === 'sms' ? await smsGuard.admit(destination) : undefined;
      if (sms && !sms.ok) {
        // Nothing was sent, so nothing to cool down from: the member may take the e-mail code at once.
        await limiter.reset(cooldownKey);
        const { ok: _, ...refusal } = sms;
        await audit.record({
          type: 'otp.sms_refused',
          outcome: 'failure',
          memberId,
          detail: { purpose, ...refusal, to: maskDestination(channel, destination) },
        });
        return refusal.reason === 'backoff'
          ? { ok: false, reason: 'cooldown', retryAfterSeconds: refusal.retryAfterSeconds }
          : { ok: false, reason: 'smsUnavailable', cause: refusal.reason };
      }

      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const codeId = randomBytes(16).toString('base64url');
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + rules.ttlMinutes * 60_000);
      await model.updateOne(
        { memberId, purpose },
        {
          $set: {
            binding: request.binding,
            codeId,
            codeHash: hashOf(codeId, code),
            channel,
            destination,
            attempts: 0,
            issuedAt: now,
            expiresAt,
            consumedAt: null,
          },
        },
        { upsert: true },
      );
      const message = composeOtpMessage({
        purpose,
        channel,
        code,
        minutes: rules.ttlMinutes,
        locale: request.locale,
        host,
        name: request.memberName,
      });
      const maskedDestination = maskDestination(channel, destination);
      metrics.otp('sent', channel, destination);
      try {
        if (channel === 'sms') await messenger.sendSms(destination, message.text);
        else await messenger.sendEmail(destination, message.subject!, message.text);
      } catch (error) {
        // Nothing half-done: the undelivered code is removed and the member may retry at once
        // (the hourly caps above still count the attempt).
        metrics.otp('failed', channel, destination);
        await model.deleteOne({ memberId, purpose, codeId });
        await limiter.reset(cooldownKey);
        await sms?.settle(false);
        logger.warn({ err: error, purpose, channel }, 'one-time password not delivered');
        await audit.record({
          type: 'otp.delivery_failed',
          outcome: 'failure',
          memberId,
          detail: { purpose, channel, to: maskedDestination, reason: (error as Error).message },
        });
        return { ok: false, reason: 'deliveryFailed', channel };
      }
      metrics.otp('delivered', channel, destination);
      await sms?.settle(true);
      await audit.record({
        type: 'otp.sent',
        outcome: 'success',
        memberId,
        detail: { purpose, channel, to: maskedDestination },
      });
      return { ok: true, channel, maskedDestination, expiresAt, resendAt: cooldown.resetAt };
    },

    async verify(request) {
      // The network's budget counts wrong answers only: members confirming their codes from one
      // address (a carrier's NAT) spend nothing. Looked at first, spent on a failure.
      const fromHere = await limiter.peek(key('verify-ip', request.ip));
      if (fromHere && fromHere.count >= rules.verifyPerIpPerHour) {
        metrics.refused('otp_verify_per_network');
        return { ok: false, reason: 'tooManyFromHere' };
      }
      const result = await check(request);
      if (!result.ok) await limiter.hit(key('verify-ip', request.ip), rules.verifyPerIpPerHour, 3600);
      return result;
    },

    async smsVerifiedWithin(memberId, binding, minutes) {
      const since = new Date(clock.now().getTime() - minutes * 60_000);
      return (await model.countDocuments({ memberId, binding, channel: 'sms', consumedAt: { $gt: since } })) > 0;
    },

    async status(memberId, purpose, binding) {
      const now = clock.now();
      const record = await model
        .findOne({ memberId, purpose, binding, consumedAt: null, expiresAt: { $gt: now } })
        .lean();
      if (!record) return undefined;
      return {
        channel: record.channel,
        maskedDestination: maskDestination(record.channel, record.destination),
        expiresAt: record.expiresAt,
        resendAt: new Date(record.issuedAt.getTime() + rules.resendCooldownSeconds * 1000),
      };
    },
  };
}
