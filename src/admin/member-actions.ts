import type { AppContext } from '../context.js';
import { FieldError } from '../errors.js';
import { translator } from '../i18n/index.js';
import { checkEmail, maskEmail } from '../members/email.js';
import { parseMembershipNumber } from '../members/library.js';
import type { Member } from '../members/model.js';
import { maskPhone, normalisePhone } from '../members/phone.js';
import type { Passkey } from '../passkeys/model.js';

/**
 * What staff do for members (admin API and console): look a member up, lock and unlock, end
 * every session, revoke a passkey, and change the e-mail address or mobile number on the
 * member's behalf (the seed's path for members living outside Japan), telling the member.
 * Every action is audited with the acting admin or service client.
 */
export interface MemberView {
  id: string;
  membership_number: string;
  family_name: string;
  given_name: string;
  email: string | null;
  email_verified: boolean;
  phone: string | null;
  phone_verified: boolean;
  country_of_residence: string;
  notification_channel: string;
  locale: string;
  status: string;
  has_password: boolean;
  created_at: string;
  passkeys: Array<{
    id: string;
    name: string;
    device_type: string;
    backed_up: boolean;
    transports: string[];
    created_at: string;
    last_used_at: string | null;
    last_used_from: { ip?: string | undefined; browser?: string | undefined } | null;
  }>;
}

function view(member: Member, passkeys: Passkey[]): MemberView {
  return {
    id: member._id,
    membership_number: member.membershipNumber,
    family_name: member.familyName,
    given_name: member.givenName,
    email: member.email ?? null,
    email_verified: member.emailVerified,
    phone: member.phone ?? null,
    phone_verified: member.phoneVerified,
    country_of_residence: member.countryOfResidence,
    notification_channel: member.notificationChannel,
    locale: member.locale,
    status: member.status,
    has_password: Boolean(member.passwordHash),
    created_at: new Date(member.createdAt).toISOString(),
    passkeys: passkeys.map((p) => ({
      id: p._id,
      name: p.name,
      device_type: p.deviceType,
      backed_up: p.backedUp,
      transports: p.transports,
      created_at: p.createdAt.toISOString(),
      last_used_at: p.lastUsedAt ? p.lastUsedAt.toISOString() : null,
      last_used_from: p.lastUsedFrom ?? null,
    })),
  };
}

export function createMemberActions(app: AppContext) {
  const { audit } = app;
  const load = async (id: string) =>
    typeof id === 'string' && /^[0-9a-f-]{36}$/.test(id) ? app.members.findById(id) : null;

  /** Every provider session, grant and token, and every My account session; the apps are told. */
  const endSessions = (memberId: string) => app.providerRecords.endAccount(memberId);

  return {
    async find(membershipNumber: unknown): Promise<MemberView | null> {
      let number: string;
      try {
        number = parseMembershipNumber(membershipNumber);
      } catch {
        throw new FieldError('membership_number', 'must be a valid 9-digit membership number');
      }
      const member = await app.members.findByMembershipNumber(number);
      return member ? view(member, await app.passkeys.list(member._id)) : null;
    },

    async get(id: string): Promise<MemberView | null> {
      const member = await load(id);
      return member ? view(member, await app.passkeys.list(member._id)) : null;
    },

    async setLocked(id: string, locked: boolean, actor: string): Promise<MemberView | null> {
      const member = await load(id);
      if (!member) return null;
      await app.members.setStatus(id, locked ? 'locked' : 'active');
      if (locked) await endSessions(id);
      else await app.members.clearLoginFailures(member.membershipNumber);
      await audit.record({
        type: locked ? 'member.locked' : 'member.unlocked',
        outcome: 'success',
        memberId: id,
        actor,
      });
      return this.get(id);
    },

    async endAllSessions(id: string, actor: string): Promise<{ sessions: number } | null> {
      if (!(await load(id))) return null;
      const sessions = await endSessions(id);
      await audit.record({
        type: 'member.sessions_ended',
        outcome: 'success',
        memberId: id,
        actor,
        detail: { sessions },
      });
      return { sessions };
    },

    /** A single-use link (24 hours) to set a password, to the member's verified e-mail address. */
    async sendRecoveryLink(id: string, actor: string): Promise<{ sent_to: string } | null> {
      if (!(await load(id))) return null;
      const sent = await app.recovery.sendLink(id, actor);
      if (!sent.ok && sent.problem === 'noEmail') {
        throw new FieldError(
          'email',
          'the member has no verified e-mail address: change it on their behalf first',
          409,
        );
      }
      return sent.ok ? { sent_to: maskEmail(sent.email) } : null;
    },

    async revokePasskey(id: string, credentialId: string, actor: string): Promise<boolean> {
      const removed = await app.passkeys.remove(id, credentialId);
      if (removed)
        await audit.record({
          type: 'passkey.removed',
          outcome: 'success',
          memberId: id,
          actor,
          detail: { name: removed.name, by: 'admin' },
        });
      return Boolean(removed);
    },

    /** Staff verified the member (e.g. by phone): the new values are marked verified. */
    async changeContact(
      id: string,
      input: { email?: unknown; phone?: unknown },
      actor: string,
    ): Promise<MemberView | null> {
      const member = await load(id);
      if (!member) return null;
      const set: { email?: string; phone?: string } = {};
      if (input.email !== undefined) {
        const check = checkEmail(typeof input.email === 'string' ? input.email : '');
        if (check.problems.length) throw new FieldError('email', translator('en')(check.problems[0]!));
        set.email = check.address;
      }
      if (input.phone !== undefined) {
        const phone = normalisePhone(typeof input.phone === 'string' ? input.phone : '');
        if ('problem' in phone) throw new FieldError('phone', translator('en')(phone.problem));
        set.phone = phone.e164;
      }
      if (!Object.keys(set).length) throw new FieldError('email', 'give an email or a phone to change');
      const result = await app.members.setVerifiedContacts(id, set);
      if (!result.ok) return null;
      if (set.email) {
        await audit.record({
          type: 'profile.email_changed',
          outcome: 'success',
          memberId: id,
          actor,
          detail: { from: member.email ? maskEmail(member.email) : null, to: maskEmail(set.email), by: 'admin' },
        });
        // Both the old and the new address hear of it.
        if (member.email)
          await app.notices.send(member, 'emailChanged', { address: maskEmail(set.email) }, member.email);
        await app.notices.send(member, 'emailChanged', { address: maskEmail(set.email) }, set.email);
      }
      if (set.phone) {
        await audit.record({
          type: 'profile.phone_changed',
          outcome: 'success',
          memberId: id,
          actor,
          detail: { from: member.phone ? maskPhone(member.phone) : null, to: maskPhone(set.phone), by: 'admin' },
        });
        await app.notices.send(
          result.member,
          'phoneChanged',
          { phone: maskPhone(set.phone) },
          set.email ?? member.email,
        );
      }
      return this.get(id);
    },
  };
}
export type MemberActions = ReturnType<typeof createMemberActions>;
