import { type Connection, type Model, Schema } from 'mongoose';

/**
 * A passkey (WebAuthn credential); the credential id (base64url) is the key. Members' and admins'
 * passkeys live in separate collections, so neither can ever stand in for the other.
 */
export interface Passkey {
  _id: string;
  /** The member id, or the admin id in admin_passkeys. */
  ownerId: string;
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
  /** Where it was last used (the IP address and the browser), so a member can tell a lost device. */
  lastUsedFrom?: { ip?: string | undefined; browser?: string | undefined } | undefined;
}

const passkeySchema = new Schema<Passkey>(
  {
    _id: { type: String, required: true },
    ownerId: { type: String, required: true },
    publicKey: { type: Buffer, required: true },
    counter: { type: Number, required: true },
    transports: { type: [String], default: [] },
    deviceType: { type: String, enum: ['singleDevice', 'multiDevice'], required: true },
    backedUp: { type: Boolean, required: true },
    aaguid: { type: String, required: true },
    name: { type: String, required: true, maxlength: 64 },
    createdAt: { type: Date, required: true },
    lastUsedAt: Date,
    lastUsedFrom: { ip: String, browser: String },
  },
  { collection: 'passkeys', versionKey: false },
);
passkeySchema.index({ ownerId: 1 });

/**
 * WebAuthn challenges, kept server-side and single use: the challenge itself is the key, so a
 * response is matched to exactly the options it answers. Bound to an interaction (sign-in) or a
 * console session (registration); valid 5 minutes; deleted before the response is verified.
 */
export type PasskeyRealm = 'member' | 'admin';

/**
 * A ceremony's challenge, latest only: one record per slot (realm, purpose, what is signed in by,
 * and the interaction or session it belongs to), replaced by every new options request, deleted
 * when used.
 */
export interface Challenge {
  /** A digest of the slot (see slotId in the library): the binding is never stored in clear. */
  _id: string;
  challenge: string;
  /** Registration: who registers. Sign-in by membership number: whose credentials were offered. */
  ownerId?: string | undefined;
  /** Sign-in by an unknown number, or a member without passkeys: nothing can match. */
  decoy?: boolean | undefined;
  expiresAt: Date;
}

const challengeSchema = new Schema<Challenge>(
  {
    _id: { type: String, required: true },
    challenge: { type: String, required: true },
    ownerId: String,
    decoy: Boolean,
    expiresAt: { type: Date, required: true },
  },
  { collection: 'webauthn_challenges', versionKey: false },
);
challengeSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type PasskeyModel = Model<Passkey>;
export type ChallengeModel = Model<Challenge>;

export function createPasskeyModels(connection: Connection): {
  passkeys: PasskeyModel;
  adminPasskeys: PasskeyModel;
  challenges: ChallengeModel;
} {
  return {
    passkeys: connection.model<Passkey>('Passkey', passkeySchema),
    adminPasskeys: connection.model<Passkey>('AdminPasskey', passkeySchema.clone(), 'admin_passkeys'),
    challenges: connection.model<Challenge>('WebAuthnChallenge', challengeSchema),
  };
}
