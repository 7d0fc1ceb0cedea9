import { type Connection, type Model, Schema } from 'mongoose';

/**
 * One-time passwords. One record per (member, purpose): issuing a new code overwrites it, which is
 * how "only the most recently received code is valid" is kept without a transaction.
 */
export const OTP_PURPOSES = [
  /** a relying app asked for the OTP level (acr_values) */
  'step-up',
  /** the member opens My account (viewing and changing membership information) */
  'account',
  /** confirming a new e-mail address, sent to that address */
  'email-change',
  /** confirming a new mobile number, sent to that number */
  'phone-change',
  /** registering a passkey: always by SMS (seed 000) */
  'passkey-registration',
  /** a forgotten password: to the notification destination of the membership number typed */
  'password-reset',
] as const;
export type OtpPurpose = (typeof OTP_PURPOSES)[number];
export type OtpChannel = 'email' | 'sms';

export interface OtpCode {
  memberId: string;
  purpose: OtpPurpose;
  /** The flow the code belongs to: an interaction uid or an account session id. */
  binding: string;
  /** Changes at every issue; part of the HMAC, so a hash never matches another issue's code. */
  codeId: string;
  codeHash: string;
  channel: OtpChannel;
  destination: string;
  attempts: number;
  issuedAt: Date;
  expiresAt: Date;
  consumedAt: Date | null;
}

const schema = new Schema<OtpCode>(
  {
    memberId: { type: String, required: true },
    purpose: { type: String, enum: OTP_PURPOSES, required: true },
    binding: { type: String, required: true },
    codeId: { type: String, required: true },
    codeHash: { type: String, required: true },
    channel: { type: String, enum: ['email', 'sms'], required: true },
    destination: { type: String, required: true },
    attempts: { type: Number, required: true, default: 0 },
    issuedAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    consumedAt: { type: Date, default: null },
  },
  { collection: 'codes', versionKey: false },
);
schema.index({ memberId: 1, purpose: 1 }, { unique: true });
schema.index({ expiresAt: 1 }, { expireAfterSeconds: 3600 });

export type OtpModel = Model<OtpCode>;
export function createOtpModel(connection: Connection): OtpModel {
  return connection.model<OtpCode>('OtpCode', schema);
}
