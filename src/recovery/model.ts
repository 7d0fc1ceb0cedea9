import { type Connection, type Model, Schema } from 'mongoose';

/**
 * A forgotten-password reset in progress, bound to the sign-in (interaction) it started from.
 * The membership number typed may be unknown: then memberId is null and the tries are counted
 * here, so that an unknown number behaves exactly like a known one.
 */
export interface Recovery {
  /** The interaction uid. */
  _id: string;
  memberId: string | null;
  /** The number as typed (normalised), to show it back and to send a new code. */
  membershipNumber: string;
  /** Wrong codes for an unknown number (a known one's tries are the code's own). */
  attempts: number;
  createdAt: Date;
  /** When the code was confirmed: the new password may be set for a few minutes after. */
  verifiedAt?: Date | undefined;
  expiresAt: Date;
}

/** A single-use link an admin sent (service centre): only a keyed hash of its token is kept. */
export interface RecoveryLink {
  _id: string;
  memberId: string;
  /** The admin who sent it, for the audit trail of its use. */
  issuedBy: string;
  expiresAt: Date;
}

const recoverySchema = new Schema<Recovery>(
  {
    _id: { type: String, required: true },
    memberId: { type: String, default: null },
    membershipNumber: { type: String, required: true },
    attempts: { type: Number, required: true, default: 0 },
    createdAt: { type: Date, required: true },
    verifiedAt: Date,
    expiresAt: { type: Date, required: true },
  },
  { collection: 'recoveries', versionKey: false },
);
recoverySchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

const linkSchema = new Schema<RecoveryLink>(
  {
    _id: { type: String, required: true },
    memberId: { type: String, required: true },
    issuedBy: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'recovery_links', versionKey: false },
);
// One live link per member: sending a new one replaces the old.
linkSchema.index({ memberId: 1 }, { unique: true });
linkSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type RecoveryModel = Model<Recovery>;
export type RecoveryLinkModel = Model<RecoveryLink>;

export function createRecoveryModels(connection: Connection): {
  recoveries: RecoveryModel;
  recoveryLinks: RecoveryLinkModel;
} {
  return {
    recoveries: connection.model<Recovery>('Recovery', recoverySchema),
    recoveryLinks: connection.model<RecoveryLink>('RecoveryLink', linkSchema),
  };
}
