import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { isDuplicateKey } from '../db/errors.js';
import { FieldError } from '../errors.js';
import { checkEmail } from '../members/email.js';
import type { PasskeyOwner } from '../passkeys/library.js';
import type { Hmac } from '../security/hmac.js';
import { displayName } from '../text.js';
import { ADMIN_ROLES, type Admin, type AdminEnrolmentModel, type AdminModel, type AdminRole } from './model.js';

/** Admins are distinguished from members in the provider's account ids by this prefix. */
export const ADMIN_ACCOUNT_PREFIX = 'admin:';
export const isAdminAccount = (accountId: string | undefined) => Boolean(accountId?.startsWith(ADMIN_ACCOUNT_PREFIX));
export const adminAccountId = (admin: Admin) => `${ADMIN_ACCOUNT_PREFIX}${admin._id}`;

const ENROLMENT_HOURS = 24;

export const newAdminSchema = z.object({
  email: z.string(),
  name: displayName(),
  role: z.enum(ADMIN_ROLES),
});

export function adminAsOwner(admin: Admin): PasskeyOwner {
  return {
    id: admin._id,
    userName: admin.email,
    displayName: `${admin.name} (admin)`,
    active: admin.status === 'active',
  };
}

export function createAdminLibrary(deps: {
  admins: AdminModel;
  enrolments: AdminEnrolmentModel;
  hmac: Hmac;
  clock: Clock;
  issuer: string;
}) {
  const { admins, enrolments, hmac, clock } = deps;
  const hashOf = (token: string) => hmac.digest('admin-enrolment', token);

  return {
    findById: (id: string) => admins.findById(id).lean<Admin>(),
    /** The admin behind a provider account id ("admin:<id>"), if active. */
    async findActiveByAccountId(accountId: string): Promise<Admin | null> {
      if (!isAdminAccount(accountId)) return null;
      const admin = await admins.findById(accountId.slice(ADMIN_ACCOUNT_PREFIX.length)).lean<Admin>();
      return admin && admin.status === 'active' ? admin : null;
    },
    list: () => admins.find().sort({ createdAt: 1 }).lean<Admin[]>(),

    async create(input: z.input<typeof newAdminSchema>): Promise<Admin> {
      const parsed = newAdminSchema.safeParse(input);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new FieldError(String(issue.path[0] ?? 'admin'), issue.message);
      }
      const email = checkEmail(parsed.data.email);
      if (email.problems.length) throw new FieldError('email', 'is not a valid e-mail address');
      try {
        const created = await admins.create({
          email: email.address,
          name: parsed.data.name,
          role: parsed.data.role,
          status: 'pending',
          createdAt: clock.now(),
        });
        return created.toObject();
      } catch (error) {
        if (isDuplicateKey(error)) throw new FieldError('email', 'is already an admin');
        throw error;
      }
    },

    /** A one-time link (valid 24 hours) for the admin to register a passkey; earlier links die. */
    async createEnrolment(admin: Admin): Promise<{ link: string; expiresAt: Date }> {
      const token = randomBytes(32).toString('base64url');
      const expiresAt = new Date(clock.now().getTime() + ENROLMENT_HOURS * 3600_000);
      await enrolments.deleteMany({ adminId: admin._id });
      await enrolments.create({ _id: hashOf(token), adminId: admin._id, expiresAt });
      return { link: `${deps.issuer}/admin/enrol/${token}`, expiresAt };
    },

    /** The admin an enrolment token belongs to, while it is valid. */
    async enrolmentAdmin(token: string): Promise<{ admin: Admin; binding: string; expiresAt: Date } | null> {
      if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
      const enrolment = await enrolments.findById(hashOf(token)).lean();
      if (!enrolment || enrolment.expiresAt.getTime() <= clock.now().getTime()) return null;
      const admin = await admins.findById(enrolment.adminId).lean<Admin>();
      return admin && admin.status !== 'disabled'
        ? { admin, binding: `enrol:${enrolment._id}`, expiresAt: enrolment.expiresAt }
        : null;
    },

    /** Uses the link up and activates the admin (once: the token is deleted atomically). */
    async completeEnrolment(token: string): Promise<boolean> {
      const enrolment = await enrolments
        .findOneAndDelete({ _id: hashOf(token), expiresAt: { $gt: clock.now() } })
        .lean();
      if (!enrolment) return false;
      await admins.updateOne(
        { _id: enrolment.adminId, status: { $ne: 'disabled' } },
        { $set: { status: 'active', enrolledAt: clock.now() } },
      );
      return true;
    },

    async setRole(id: string, role: AdminRole): Promise<boolean> {
      return (await admins.updateOne({ _id: id }, { $set: { role } })).matchedCount === 1;
    },
  };
}
export type AdminLibrary = ReturnType<typeof createAdminLibrary>;
