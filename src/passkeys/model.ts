import { Schema, type Connection, type Model } from 'mongoose';

/** A member's passkey (WebAuthn credential). The credential id (base64url) is the key. */
export interface Passkey {
  _id: string;
  memberId: string;
  publicKey: Buffer;
  counter: number;
  /** Exactly as the browser reported them at registration; sent back in allowCredentials. */
  transports: string[];
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  aaguid: string;
  name: string;
  createdAt: Date;
  lastUsedAt?: Date | undefined;
}

const passkeySchema = new Schema<Passkey>(
  {
    _id: { type: String, required: true },
    memberId: { type: String, required: true },
    publicKey: { type: Buffer, required: true },
    counter: { type: Number, required: true },
    transports: { type: [String], default: [] },
    deviceType: { type: String, enum: ['singleDevice', 'multiDevice'], required: true },
    backedUp: { type: Boolean, required: true },
    aaguid: { type: String, required: true },
    name: { type: String, required: true, maxlength: 64 },
    createdAt: { type: Date, required: true },
    lastUsedAt: Date,
  },
  { collection: 'passkeys', versionKey: false },
);
passkeySchema.index({ memberId: 1 });

/**
 * WebAuthn challenges, kept server-side and single use: the challenge itself is the key, so a
 * response is matched to exactly the options it answers. Bound to an interaction (sign-in) or a
 * console session (registration); valid 5 minutes; deleted before the response is verified.
 */
export interface Challenge {
  _id: string;
  purpose: 'registration' | 'authentication';
  binding: string;
  /** Registration: who registers. Sign-in by membership number: whose credentials were offered. */
  memberId?: string | undefined;
  /** Sign-in by an unknown number, or a member without passkeys: nothing can match. */
  decoy?: boolean | undefined;
  expiresAt: Date;
}

const challengeSchema = new Schema<Challenge>(
  {
    _id: { type: String, required: true },
    purpose: { type: String, enum: ['registration', 'authentication'], required: true },
    binding: { type: String, required: true },
    memberId: String,
    decoy: Boolean,
    expiresAt: { type: Date, required: true },
  },
  { collection: 'webauthn_challenges', versionKey: false },
);
challengeSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type PasskeyModel = Model<Passkey>;
export type ChallengeModel = Model<Challenge>;

export function createPasskeyModels(connection: Connection): { passkeys: PasskeyModel; challenges: ChallengeModel } {
  return {
    passkeys: connection.model<Passkey>('Passkey', passkeySchema),
    challenges: connection.model<Challenge>('WebAuthnChallenge', challengeSchema),
  };
}
