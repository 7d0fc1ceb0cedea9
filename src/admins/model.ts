import { randomUUID } from 'node:crypto';
import { type Connection, type Model, Schema } from 'mongoose';

/**
 * Staff accounts for the admin console, separate from members. An admin signs in only with a
 * passkey; a new admin sets theirs up through a one-time enrolment link.
 */
export const ADMIN_ROLES = ['viewer', 'editor'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

export interface Admin {
  _id: string;
  email: string;
  name: string;
  /** viewer: read only; editor: may change clients and members. */
  role: AdminRole;
  /** pending until the enrolment link has been used to register a passkey. */
  status: 'pending' | 'active' | 'disabled';
  createdAt: Date;
  enrolledAt?: Date | undefined;
}

/** One-time enrolment links: only a keyed hash of the token is kept. */
export interface AdminEnrolment {
  _id: string;
  adminId: string;
  expiresAt: Date;
}

const adminSchema = new Schema<Admin>(
  {
    _id: { type: String, default: () => randomUUID() },
    email: { type: String, required: true, maxlength: 254 },
    name: { type: String, required: true, maxlength: 100 },
    role: { type: String, enum: ADMIN_ROLES, required: true },
    status: { type: String, enum: ['pending', 'active', 'disabled'], required: true },
    createdAt: { type: Date, required: true },
    enrolledAt: Date,
  },
  { collection: 'admins', versionKey: false },
);
adminSchema.index({ email: 1 }, { unique: true });

const enrolmentSchema = new Schema<AdminEnrolment>(
  {
    _id: { type: String, required: true },
    adminId: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'admin_enrolments', versionKey: false },
);
enrolmentSchema.index({ adminId: 1 });
enrolmentSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type AdminModel = Model<Admin>;
export type AdminEnrolmentModel = Model<AdminEnrolment>;

export function createAdminModels(connection: Connection): {
  admins: AdminModel;
  adminEnrolments: AdminEnrolmentModel;
} {
  return {
    admins: connection.model<Admin>('Admin', adminSchema),
    adminEnrolments: connection.model<AdminEnrolment>('AdminEnrolment', enrolmentSchema),
  };
}
