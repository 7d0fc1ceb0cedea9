import { randomUUID } from 'node:crypto';
import { type Connection, type HydratedDocument, type Model, Schema } from 'mongoose';
import { sharedCache } from '../db/shared-cache.js';
import { LOCALES, type Locale } from '../i18n/index.js';

export const NOTIFICATION_CHANNELS = ['email', 'sms'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];
export const MEMBER_STATUSES = ['active', 'locked'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

export interface Member {
  /** Random, opaque and stable: it is the `sub` relying apps see, so it must not reveal anything. */
  _id: string;
  membershipNumber: string;
  familyName: string;
  givenName: string;
  email?: string | undefined;
  emailVerified: boolean;
  phone?: string | undefined;
  phoneVerified: boolean;
  /** ISO 3166-1 alpha-2 */
  countryOfResidence: string;
  notificationChannel: NotificationChannel;
  locale: Locale;
  passwordHash?: string | undefined;
  /** Whether a sign-in from a browser not seen before is told by e-mail (absent: yes). */
  signInNotices?: boolean | undefined;
  status: MemberStatus;
  createdAt: Date;
  updatedAt: Date;
}
export type MemberDocument = HydratedDocument<Member>;
export type MemberModel = Model<Member>;

const memberSchema = new Schema<Member>(
  {
    _id: { type: String, default: () => randomUUID() },
    membershipNumber: { type: String, required: true, match: /^\d{9}$/ },
    familyName: { type: String, required: true, maxlength: 100 },
    givenName: { type: String, required: true, maxlength: 100 },
    email: { type: String, maxlength: 254 },
    emailVerified: { type: Boolean, default: false },
    phone: { type: String, match: /^\+[1-9]\d{6,14}$/ },
    phoneVerified: { type: Boolean, default: false },
    countryOfResidence: { type: String, required: true, match: /^[A-Z]{2}$/ },
    notificationChannel: { type: String, enum: NOTIFICATION_CHANNELS, default: 'email' },
    locale: { type: String, enum: LOCALES, default: 'ja' },
    passwordHash: { type: String },
    signInNotices: { type: Boolean },
    status: { type: String, enum: MEMBER_STATUSES, default: 'active' },
  },
  { collection: 'members', timestamps: true, versionKey: false },
);
/**
 * Members are kept for their claims and sign-in steps by each instance a little while
 * (db/shared-cache.ts): any write forgets them here at once and on every instance within a second.
 */
export const MEMBER_CACHE = { name: 'members', keepMs: 30_000, maxEntries: 50_000 } as const;
const membersChanged = (connection: Connection | undefined) => {
  if (connection)
    void sharedCache(connection, MEMBER_CACHE.name, MEMBER_CACHE)
      .changed()
      .catch(() => {});
};
for (const operation of ['findOneAndUpdate', 'updateOne', 'updateMany', 'deleteOne'] as const) {
  memberSchema.post(operation, function (this: { model?: { db?: Connection } }) {
    membersChanged(this.model?.db);
  });
}
memberSchema.post('save', function (this: { db?: Connection }) {
  membersChanged(this.db);
});
memberSchema.index({ membershipNumber: 1 }, { unique: true });
memberSchema.index({ email: 1 }, { unique: true, sparse: true });
memberSchema.index({ phone: 1 }, { unique: true, sparse: true });

export function createMemberModel(connection: Connection): MemberModel {
  return connection.model<Member>('Member', memberSchema);
}
