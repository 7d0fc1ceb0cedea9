import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { duplicateKeyField, isDuplicateKey } from '../db/errors.js';
import { sharedCache } from '../db/shared-cache.js';
import { AppError, FieldError } from '../errors.js';
import { LOCALES, translator } from '../i18n/index.js';
import type { RateLimiter } from '../limits/library.js';
import type { Hmac } from '../security/hmac.js';
import { displayName } from '../text.js';
import { checkEmail } from './email.js';
import { importMembers } from './import.js';
import { isValidMembershipNumber, normaliseMembershipNumber, randomMembershipNumber } from './membership-number.js';
import {
  MEMBER_CACHE,
  type Member,
  type MemberModel,
  type MemberStatus,
  NOTIFICATION_CHANNELS,
  type NotificationChannel,
} from './model.js';
import {
  decoyPasswordHash,
  hashPassword,
  needsRehash,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  verifyPassword,
} from './password.js';
import { canReceiveSms, normalisePhone } from './phone.js';

export const newMemberSchema = z.object({
  membershipNumber: z.string().optional(),
  familyName: displayName(),
  givenName: displayName(),
  email: z.string().optional(),
  phone: z.string().optional(),
  countryOfResidence: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as JP'),
  notificationChannel: z.enum(NOTIFICATION_CHANNELS).default('email'),
  locale: z.enum(LOCALES).default('ja'),
  password: z.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH).optional(),
});
export type NewMember = z.input<typeof newMemberSchema>;

const english = translator('en');

/** memberId is for the audit trail only: the member never learns whether the number exists. */
export type PasswordLoginResult =
  | { ok: true; member: Member }
  | { ok: false; reason: 'invalid' | 'accountLocked' | 'tooManyFromHere'; memberId?: string | undefined }
  | { ok: false; reason: 'lockedOut'; minutes: number; memberId?: string | undefined };

export type ChangeResult =
  | { ok: true; member: Member; previous: Member }
  | { ok: false; problem: 'taken' | 'same' | 'notFound' | 'notAllowed' };

export interface MembersLibrary {
  findById(id: string): Promise<Member | null>;
  findByMembershipNumber(number: string): Promise<Member | null>;
  create(input: NewMember): Promise<Member>;
  /** Sets a verified e-mail address (already checked against the rules and confirmed by a code). */
  changeEmail(memberId: string, address: string): Promise<ChangeResult>;
  /** Sets a verified mobile number (E.164, confirmed by a code sent to it). */
  changePhone(memberId: string, e164: string): Promise<ChangeResult>;
  /** Chooses where one-time passwords go; SMS only with a verified number in an SMS country. */
  setNotificationChannel(memberId: string, channel: NotificationChannel): Promise<ChangeResult>;
  authenticateWithPassword(input: {
    membershipNumber: string;
    password: string;
    ip: string;
  }): Promise<PasswordLoginResult>;
  /** Imports members from a CSV file (members/import.ts): every row checked first, nothing half imported. */
  importCsv(text: string): ReturnType<typeof importMembers>;
  /** Sets a new password (already checked against the password rules); the old one stops working. */
  setPassword(memberId: string, password: string): Promise<Member | null>;
  /** Lifts a temporary login lockout (an admin unlocking a member). */
  clearLoginFailures(membershipNumber: string): Promise<void>;
  /** Locks or unlocks a member (staff). A locked member has no account as far as the protocol is concerned. */
  setStatus(memberId: string, status: MemberStatus): Promise<Member | null>;
  /** Turns the e-mail about sign-ins from a browser not seen before on or off. */
  setSignInNotices(memberId: string, on: boolean): Promise<Member | null>;
  /**
   * Staff verified the member (e.g. by phone) and set a new e-mail address and/or mobile number,
   * marked verified. A FieldError (409) when one belongs to another member.
   */
  setVerifiedContacts(memberId: string, contacts: { email?: string; phone?: string }): Promise<ChangeResult>;
}

/** Validates a typed membership number; throws an AppError naming what is wrong with it. */
export function parseMembershipNumber(raw: unknown): string {
  const value = normaliseMembershipNumber(typeof raw === 'string' ? raw.slice(0, 64) : '');
  if (!/^\d{9}$/.test(value)) throw new AppError('login.error.numberFormat');
  if (!isValidMembershipNumber(value)) throw new AppError('login.error.numberCheckDigit');
  return value;
}

export function createMembersLibrary(deps: {
  model: MemberModel;
  limiter: RateLimiter;
  hmac: Hmac;
  clock: Clock;
  config: Config;
}): MembersLibrary {
  const { model, limiter, hmac, clock, config } = deps;
  const cache = sharedCache(model.db, MEMBER_CACHE.name, MEMBER_CACHE);
  const failuresKey = (number: string) => `login-failures:${hmac.digest('rate-limit', number)}`;
  const ipKey = (ip: string) => `login-ip:${hmac.digest('rate-limit', ip)}`;

  /** A new e-mail address or number, confirmed by a code sent to it: it replaces the old one, verified. */
  async function setVerifiedContact(memberId: string, field: 'email' | 'phone', value: string): Promise<ChangeResult> {
    const verified = field === 'email' ? 'emailVerified' : 'phoneVerified';
    const previous = await model.findById(memberId).lean<Member>();
    if (!previous) return { ok: false, problem: 'notFound' };
    if (previous[field] === value && previous[verified]) return { ok: false, problem: 'same' };
    try {
      const member = await model
        .findOneAndUpdate(
          { _id: memberId },
          { $set: { [field]: value, [verified]: true } },
          { returnDocument: 'after' },
        )
        .lean<Member>();
      return member ? { ok: true, member, previous } : { ok: false, problem: 'notFound' };
    } catch (error) {
      if (isDuplicateKey(error)) return { ok: false, problem: 'taken' };
      throw error;
    }
  }

  /** Sets plain fields of a member; the member afterwards, or null. */
  const setFields = (memberId: string, fields: Partial<Pick<Member, 'status' | 'signInNotices'>>) =>
    model.findOneAndUpdate({ _id: memberId }, { $set: fields }, { returnDocument: 'after' }).lean<Member>().exec();

  /**
   * A hash from before today's algorithm or parameters, replaced now that the password is known.
   * Only if it is still the one just verified: a password changed meanwhile is not overwritten.
   */
  async function rehash(member: Member, password: string): Promise<Member> {
    const passwordHash = await hashPassword(password);
    const updated = await model.updateOne(
      { _id: member._id, passwordHash: member.passwordHash },
      { $set: { passwordHash } },
    );
    return updated.modifiedCount === 1 ? { ...member, passwordHash } : member;
  }

  return {
    // Kept a little while (a sign-in and every token asks for the member); writes forget it (model.ts).
    findById: async (id) => {
      const member = await cache.get(id, () => model.findById(id).lean<Member>().exec());
      return member && { ...member };
    },
    findByMembershipNumber: (number) => model.findOne({ membershipNumber: number }).lean<Member>().exec(),

    async create(input) {
      const parsed = newMemberSchema.safeParse(input);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new FieldError(String(issue.path[0] ?? 'input'), issue.message);
      }
      const data = parsed.data;
      let membershipNumber = data.membershipNumber
        ? normaliseMembershipNumber(data.membershipNumber)
        : randomMembershipNumber();
      if (!isValidMembershipNumber(membershipNumber)) {
        throw new FieldError(
          'membershipNumber',
          'must be 9 digits whose last digit is the Luhn check digit of the first eight',
        );
      }
      let email: string | undefined;
      if (data.email) {
        const check = checkEmail(data.email);
        if (check.problems.length > 0)
          throw new FieldError('email', check.problems.map((key) => english(key)).join(' '));
        email = check.address;
      }
      let phone: string | undefined;
      if (data.phone) {
        const result = normalisePhone(data.phone);
        if ('problem' in result) throw new FieldError('phone', english(result.problem));
        phone = result.e164;
      }
      if (data.notificationChannel === 'sms' && !phone)
        throw new FieldError('notificationChannel', 'sms needs a mobile phone number');
      if (data.notificationChannel === 'email' && !email)
        throw new FieldError('notificationChannel', 'email needs an e-mail address');
      const passwordHash = data.password ? await hashPassword(data.password) : undefined;
      // A generated number may collide with an existing one: draw again (never for a given one).
      for (let attempt = 0; ; attempt += 1) {
        try {
          const created = await model.create({
            membershipNumber,
            familyName: data.familyName,
            givenName: data.givenName,
            email,
            emailVerified: Boolean(email),
            phone,
            phoneVerified: Boolean(phone),
            countryOfResidence: data.countryOfResidence,
            notificationChannel: data.notificationChannel,
            locale: data.locale,
            passwordHash,
          });
          return created.toObject();
        } catch (error) {
          const dup = isDuplicateKey(error);
          const field = duplicateKeyField(error) ?? '';
          if (dup && field === 'membershipNumber' && !data.membershipNumber && attempt < 5) {
            membershipNumber = randomMembershipNumber();
            continue;
          }
          if (dup) throw new FieldError(field || 'member', 'is already registered to another member');
          throw error;
        }
      }
    },

    importCsv: (text) => importMembers(model, text),

    async setPassword(memberId, password) {
      const passwordHash = await hashPassword(password);
      return model
        .findOneAndUpdate({ _id: memberId }, { $set: { passwordHash } }, { returnDocument: 'after' })
        .lean<Member>()
        .exec();
    },

    clearLoginFailures: (membershipNumber) => limiter.reset(failuresKey(membershipNumber)),

    setStatus: (memberId, status) => setFields(memberId, { status }),

    setSignInNotices: (memberId, on) => setFields(memberId, { signInNotices: on }),

    async setVerifiedContacts(memberId, contacts) {
      const previous = await model.findById(memberId).lean<Member>();
      if (!previous) return { ok: false, problem: 'notFound' };
      const set: Partial<Member> = {};
      if (contacts.email !== undefined) Object.assign(set, { email: contacts.email, emailVerified: true });
      if (contacts.phone !== undefined) Object.assign(set, { phone: contacts.phone, phoneVerified: true });
      try {
        const member = await model
          .findOneAndUpdate({ _id: memberId }, { $set: set }, { returnDocument: 'after' })
          .lean<Member>();
        return member ? { ok: true, member, previous } : { ok: false, problem: 'notFound' };
      } catch (error) {
        if (isDuplicateKey(error)) {
          const field = duplicateKeyField(error) === 'phone' || !set.email ? 'phone' : 'email';
          throw new FieldError(field, 'is already registered to another member', 409);
        }
        throw error;
      }
    },

    changeEmail: (memberId, address) => setVerifiedContact(memberId, 'email', address),
    changePhone: (memberId, e164) => setVerifiedContact(memberId, 'phone', e164),

    async setNotificationChannel(memberId, channel) {
      const previous = await model.findById(memberId).lean<Member>();
      if (!previous) return { ok: false, problem: 'notFound' };
      const allowed =
        channel === 'sms' ? canReceiveSms(previous, config) : Boolean(previous.email && previous.emailVerified);
      if (!allowed) return { ok: false, problem: 'notAllowed' };
      const member = await model
        .findOneAndUpdate({ _id: memberId }, { $set: { notificationChannel: channel } }, { returnDocument: 'after' })
        .lean<Member>();
      return member ? { ok: true, member, previous } : { ok: false, problem: 'notFound' };
    },

    async authenticateWithPassword({ membershipNumber, password, ip }) {
      // The network's budget counts failures only (many members may share one address): looked at
      // first, spent below. Parallel guesses can overshoot it by as many as are in flight at once.
      const key = failuresKey(membershipNumber);
      const [fromHere, failures] = await limiter.peekMany([ipKey(ip), key]);
      if (fromHere && fromHere.count >= config.login.perIpPerHour) return { ok: false, reason: 'tooManyFromHere' };

      const lockoutSeconds = config.login.lockoutMinutes * 60;
      const minutesLeft = (until: Date) => Math.max(1, Math.ceil((until.getTime() - clock.now().getTime()) / 60_000));
      if (failures && failures.count >= config.login.maxFailures) {
        await limiter.hit(ipKey(ip), config.login.perIpPerHour, 3600);
        return { ok: false, reason: 'lockedOut', minutes: minutesLeft(failures.resetAt) };
      }

      const member = await model.findOne({ membershipNumber }).lean<Member>().exec();
      // Unknown numbers and members without a password cost the same hash as a wrong password.
      const valid = await verifyPassword(password, member?.passwordHash ?? (await decoyPasswordHash()));
      if (!member?.passwordHash || !valid) {
        await limiter.hit(ipKey(ip), config.login.perIpPerHour, 3600);
        const hit = await limiter.hit(key, config.login.maxFailures, lockoutSeconds);
        if (hit.count >= config.login.maxFailures) {
          // Locked out from the last failure, not from the first one of the window.
          const until = new Date(clock.now().getTime() + lockoutSeconds * 1000);
          await limiter.holdUntil(key, until);
          return { ok: false, reason: 'lockedOut', minutes: minutesLeft(until), memberId: member?._id };
        }
        return { ok: false, reason: 'invalid', memberId: member?._id };
      }
      if (member.status !== 'active') return { ok: false, reason: 'accountLocked', memberId: member._id };
      // Failures before this success are forgotten (nothing to forget: no round trip).
      if (failures) await limiter.reset(key);
      if (needsRehash(member.passwordHash)) return { ok: true, member: await rehash(member, password) };
      return { ok: true, member };
    },
  };
}
