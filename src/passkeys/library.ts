import { createHash } from 'node:crypto';
import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  type VerifiedAuthenticationResponse,
  type VerifiedRegistrationResponse,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { AuditLibrary } from '../audit/library.js';
import { currentRequestOrigin } from '../audit/request-context.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { isDuplicateKey } from '../db/errors.js';
import type { Member } from '../members/model.js';
import type { Metrics } from '../observability/metrics.js';
import { describeUserAgent } from '../user-agent.js';
import { authenticatorName } from './authenticators.js';
import type { ChallengeModel, Passkey, PasskeyModel, PasskeyRealm } from './model.js';

/**
 * Passkey ceremonies (WebAuthn through @simplewebauthn/server): resident key and user
 * verification required, attestation none, the RP ID and origins from configuration and always
 * checked, challenges server-side and single use, the credential checked against the person
 * being signed in, counters that go backwards refused and recorded.
 *
 * One library per realm (members, admins), each with its own collection of credentials.
 */
const CHALLENGE_TTL_MS = 5 * 60_000;
// EdDSA, ES256, RS256: fixed, so an authenticator never picks an algorithm this runtime may lack.
const ALGORITHMS = [-8, -7, -257];

export type PasskeyFailure =
  | 'challenge'
  | 'unknownCredential'
  | 'wrongMember'
  | 'memberInactive'
  | 'notVerified'
  | 'counterRegression'
  | 'duplicate';

export interface PasskeySignals {
  rpID: string;
  userID: string;
  allAcceptedCredentialIDs: string[];
  userName: string;
  userDisplayName: string;
}

export type AuthenticationResult =
  | { ok: true; owner: PasskeyOwner; passkey: Passkey; amr: string[]; crossDevice: boolean; signals: PasskeySignals }
  | { ok: false; reason: PasskeyFailure; ownerId?: string | undefined; discoverable: boolean };

export type RegistrationResult =
  | { ok: true; passkey: Passkey; signals: PasskeySignals }
  | { ok: false; reason: PasskeyFailure };

/** Whoever a passkey belongs to, as the ceremonies need to see them. */
export interface PasskeyOwner {
  /** Opaque and stable: the WebAuthn user handle (never the membership number). */
  id: string;
  /** What the device shows in its passkey list: the membership number, or an admin's e-mail. */
  userName: string;
  displayName: string;
  active: boolean;
}

export const userHandleOf = (owner: PasskeyOwner) => Buffer.from(owner.id, 'utf8').toString('base64url');

/** A member as a passkey owner. */
export function memberAsOwner(member: Member): PasskeyOwner {
  return {
    id: member._id,
    userName: member.membershipNumber,
    displayName: `${member.familyName} ${member.givenName}`,
    active: member.status === 'active',
  };
}

/** Lean reads give BSON Binary for Buffer fields; WebAuthn needs the bytes. */
function bytesOf(value: unknown): Uint8Array<ArrayBuffer> {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  const inner = (value as { buffer?: unknown } | null)?.buffer;
  if (inner instanceof Uint8Array) return new Uint8Array(inner);
  throw new Error('stored public key is not binary');
}

function challengeOf(response: { response: { clientDataJSON: string } }): string | undefined {
  try {
    const clientData = JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8')) as {
      challenge?: unknown;
    };
    return typeof clientData.challenge === 'string' && /^[A-Za-z0-9_-]{16,128}$/.test(clientData.challenge)
      ? clientData.challenge
      : undefined;
  } catch {
    return undefined;
  }
}

export function createPasskeyLibrary(deps: {
  realm: PasskeyRealm;
  passkeys: PasskeyModel;
  challenges: ChallengeModel;
  findOwner: (id: string) => Promise<PasskeyOwner | null>;
  /** Members only: sign-in by membership number. */
  findOwnerByNumber?: (number: string) => Promise<PasskeyOwner | null>;
  config: Config;
  clock: Clock;
  audit: AuditLibrary;
  metrics: Metrics;
}) {
  const { realm, passkeys, challenges, config, clock, audit, metrics } = deps;
  // Audit: a member's events name the member; an admin's name the admin as the actor.
  const who = (ownerId: string | undefined) =>
    realm === 'member' ? { memberId: ownerId } : { actor: ownerId ? `admin:${ownerId}` : undefined };
  const { rpId, rpName, origins } = config.webauthn;

  // Sign-in by a membership number and sign-in by whichever passkey the device offers (autofill,
  // a button, a phone) are two slots: the login page asks for the second on view and may still
  // use it after the member has typed a number and cancelled.
  type Slot = 'registration' | 'authentication:member' | 'authentication:any';
  const slotId = (slot: Slot, binding: string) =>
    createHash('sha256').update(`${realm}\0${slot}\0${binding}`).digest('base64url');

  /** Replaces the slot's challenge: an older one, not yet used, can no longer be. */
  async function storeChallenge(
    slot: Slot,
    binding: string,
    challenge: string,
    fields: { ownerId?: string | undefined; decoy?: boolean },
  ) {
    const expiresAt = new Date(clock.now().getTime() + CHALLENGE_TTL_MS);
    await challenges.replaceOne({ _id: slotId(slot, binding) }, { challenge, ...fields, expiresAt }, { upsert: true });
  }

  /** Deleted before anything is verified, so a failed attempt cannot be retried with it. */
  async function consumeChallenge(challenge: string | undefined, slots: readonly Slot[], binding: string) {
    if (!challenge) return null;
    const ids = slots.map((slot) => slotId(slot, binding));
    const record = await challenges.findOneAndDelete({ _id: { $in: ids }, challenge }).lean();
    if (!record || record.expiresAt.getTime() <= clock.now().getTime()) return null;
    return record;
  }

  /** What the WebAuthn Signal API tells the member's device: their passkeys and names. */
  const signalsOf = (owner: PasskeyOwner, all: ReadonlyArray<{ _id: string }>): PasskeySignals => ({
    rpID: rpId,
    userID: userHandleOf(owner),
    allAcceptedCredentialIDs: all.map((p) => p._id),
    userName: owner.userName,
    userDisplayName: owner.displayName,
  });

  async function signalsFor(owner: PasskeyOwner): Promise<PasskeySignals> {
    return signalsOf(owner, await passkeys.find({ ownerId: owner.id }, { _id: 1 }).lean());
  }

  return {
    list: (ownerId: string) => passkeys.find({ ownerId }).sort({ createdAt: 1 }).lean<Passkey[]>(),
    signalsFor,

    async registrationOptions(owner: PasskeyOwner, binding: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
      const existing = await passkeys.find({ ownerId: owner.id }).lean();
      const options = await generateRegistrationOptions({
        rpName,
        rpID: rpId,
        userName: owner.userName,
        userID: Buffer.from(owner.id, 'utf8'),
        userDisplayName: owner.displayName,
        attestationType: 'none',
        excludeCredentials: existing.map((p) => ({ id: p._id, transports: p.transports as AuthenticatorTransport[] })),
        // No authenticatorAttachment: a phone's passkey may be registered through the QR code.
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
        supportedAlgorithmIDs: ALGORITHMS,
        timeout: CHALLENGE_TTL_MS,
      });
      await storeChallenge('registration', binding, options.challenge, { ownerId: owner.id });
      return options;
    },

    async register(input: {
      owner: PasskeyOwner;
      binding: string;
      response: RegistrationResponseJSON;
      defaultName: (aaguid: string) => string;
    }): Promise<RegistrationResult> {
      const { owner, binding, response } = input;
      const refuse = async (reason: PasskeyFailure, error?: string): Promise<RegistrationResult> => {
        await audit.record({
          type: 'passkey.registration_refused',
          outcome: 'failure',
          ...who(owner.id),
          detail: { reason, ...(error ? { error: error.slice(0, 200) } : {}) },
        });
        return { ok: false, reason };
      };
      const challenge = await consumeChallenge(challengeOf(response), ['registration'], binding);
      if (!challenge || challenge.ownerId !== owner.id) return refuse('challenge');
      let verification: VerifiedRegistrationResponse;
      try {
        verification = await verifyRegistrationResponse({
          response,
          expectedChallenge: challenge.challenge,
          expectedOrigin: origins,
          expectedRPID: rpId,
          requireUserVerification: true,
          supportedAlgorithmIDs: ALGORITHMS,
        });
      } catch (error) {
        return refuse('notVerified', (error as Error).message);
      }
      if (!verification.verified) return refuse('notVerified');
      const info = verification.registrationInfo;
      const now = clock.now();
      const passkey: Passkey = {
        _id: info.credential.id,
        ownerId: owner.id,
        publicKey: Buffer.from(info.credential.publicKey),
        counter: info.credential.counter,
        transports: response.response.transports ?? [],
        deviceType: info.credentialDeviceType,
        backedUp: info.credentialBackedUp,
        aaguid: info.aaguid,
        name: (authenticatorName(info.aaguid) ?? input.defaultName(info.aaguid)).slice(0, 64),
        createdAt: now,
      };
      try {
        await passkeys.create(passkey);
      } catch (error) {
        if (isDuplicateKey(error)) return refuse('duplicate');
        throw error;
      }
      await audit.record({
        type: 'passkey.registered',
        outcome: 'success',
        ...who(owner.id),
        detail: { name: passkey.name, deviceType: passkey.deviceType, transports: passkey.transports },
      });
      metrics.passkeyRegistered(realm);
      return { ok: true, passkey, signals: await signalsFor(owner) };
    },

    /**
     * Options for signing in. They never list credentials: the options for a membership number
     * are the same whether it has passkeys, has none, or does not exist (count, ids, transports
     * would tell), and cost the same two lookups. The challenge remembers whose passkey it
     * accepts; every passkey is discoverable (resident keys are required at registration), so
     * the device finds it without a list.
     */
    async authenticationOptions(input: {
      binding: string;
      membershipNumber?: string | undefined;
      hybrid?: boolean;
    }): Promise<PublicKeyCredentialRequestOptionsJSON> {
      let ownerId: string | undefined;
      let decoy = false;
      if (input.membershipNumber && deps.findOwnerByNumber) {
        const owner = await deps.findOwnerByNumber(input.membershipNumber);
        const own = await passkeys.countDocuments({ ownerId: owner?.active ? owner.id : '' });
        if (owner && own > 0) ownerId = owner.id;
        else decoy = true;
      }
      const options = await generateAuthenticationOptions({
        rpID: rpId,
        allowCredentials: [],
        userVerification: 'required',
        timeout: CHALLENGE_TTL_MS,
      });
      await storeChallenge(
        input.membershipNumber ? 'authentication:member' : 'authentication:any',
        input.binding,
        options.challenge,
        { ownerId, decoy },
      );
      // "Use a passkey on my phone": ask the browser to go straight to the QR code (WebAuthn L3 hints).
      return input.hybrid ? { ...options, hints: ['hybrid'] } : options;
    },

    async authenticate(input: {
      binding: string;
      response: AuthenticationResponseJSON;
    }): Promise<AuthenticationResult> {
      const { response } = input;
      let discoverable = false;
      const refuse = async (
        reason: PasskeyFailure,
        ownerId?: string,
        error?: string,
      ): Promise<AuthenticationResult> => {
        await audit.record({
          type:
            reason === 'counterRegression'
              ? 'passkey.counter_regression'
              : realm === 'admin'
                ? 'admin.login'
                : 'login.passkey',
          outcome: 'failure',
          ...who(ownerId),
          detail: { reason, credential: response.id?.slice(0, 16), ...(error ? { error: error.slice(0, 200) } : {}) },
        });
        return { ok: false, reason, ownerId, discoverable };
      };
      const challenge = await consumeChallenge(
        challengeOf(response),
        ['authentication:member', 'authentication:any'],
        input.binding,
      );
      if (!challenge) return refuse('challenge');
      discoverable = !challenge.ownerId && !challenge.decoy;
      // The credential is looked for among the passkeys of the member it must belong to (the
      // number's, or the one its user handle names): that one read also gives the signals. A miss
      // reads it by id, to record whose it is; a number with no passkeys (a decoy) misses too: the
      // same two reads, whether the number exists or not.
      const handle = response.response.userHandle;
      const handleOwner = handle ? Buffer.from(handle, 'base64url').toString('utf8') : undefined;
      const expected = challenge.decoy ? '' : (challenge.ownerId ?? handleOwner ?? '');
      const owned = await passkeys.find({ ownerId: expected }).lean<Passkey[]>();
      const passkey =
        owned.find((candidate) => candidate._id === response.id) ??
        (await passkeys.findById(response.id).lean<Passkey>());
      if (challenge.decoy || !passkey) return refuse('unknownCredential');
      // Signing in by number: only that member's credentials. Discoverable: the user handle the
      // authenticator returned must name the credential's owner.
      if (challenge.ownerId && challenge.ownerId !== passkey.ownerId) return refuse('wrongMember', challenge.ownerId);
      if (!challenge.ownerId && handleOwner !== passkey.ownerId) return refuse('wrongMember', passkey.ownerId);
      const owner = await deps.findOwner(passkey.ownerId);
      if (!owner?.active) return refuse('memberInactive', passkey.ownerId);
      let verification: VerifiedAuthenticationResponse;
      try {
        verification = await verifyAuthenticationResponse({
          response,
          expectedChallenge: challenge.challenge,
          expectedOrigin: origins,
          expectedRPID: rpId,
          credential: {
            id: passkey._id,
            publicKey: bytesOf(passkey.publicKey),
            counter: passkey.counter,
            transports: passkey.transports as AuthenticatorTransport[],
          },
          requireUserVerification: true,
        });
      } catch (error) {
        const message = (error as Error).message;
        // A counter that does not increase means a cloned authenticator (WebAuthn §6.1.1).
        return refuse(/counter value/i.test(message) ? 'counterRegression' : 'notVerified', owner.id, message);
      }
      if (!verification.verified || !verification.authenticationInfo.userVerified)
        return refuse('notVerified', owner.id);
      const info = verification.authenticationInfo;
      const origin = currentRequestOrigin();
      // Conditional update: two racing uses of one assertion cannot both move the counter.
      const updated = await passkeys.updateOne(
        { _id: passkey._id, counter: passkey.counter },
        {
          $set: {
            counter: info.newCounter,
            lastUsedAt: clock.now(),
            lastUsedFrom: { ip: origin?.ip, browser: describeUserAgent(origin?.userAgent) },
            backedUp: info.credentialBackedUp,
            deviceType: info.credentialDeviceType,
          },
        },
      );
      if (updated.modifiedCount !== 1 && info.newCounter !== 0) return refuse('counterRegression', owner.id);
      // RFC 8176: swk for a synced (software-held) passkey, hwk for a device-bound one; user for the
      // biometric or PIN check; mfa since possession and that check are two factors.
      const amr = [info.credentialDeviceType === 'multiDevice' ? 'swk' : 'hwk', 'user', 'mfa'];
      const crossDevice = response.authenticatorAttachment === 'cross-platform';
      await audit.record({
        type: realm === 'admin' ? 'admin.login' : 'login.passkey',
        outcome: 'success',
        ...who(owner.id),
        detail: { passkey: passkey.name, crossDevice },
      });
      return { ok: true, owner, passkey, amr, crossDevice, signals: signalsOf(owner, owned) };
    },

    async rename(ownerId: string, id: string, name: string): Promise<boolean> {
      const result = await passkeys.updateOne({ _id: id, ownerId }, { $set: { name } });
      return result.matchedCount === 1;
    },

    async remove(ownerId: string, id: string): Promise<Passkey | null> {
      return passkeys.findOneAndDelete({ _id: id, ownerId }).lean<Passkey>();
    },

    /** How many owners have at least one passkey (an index-only walk over ownerId). */
    async countOwners(): Promise<number> {
      const [counted] = await passkeys.aggregate<{ owners: number }>([
        { $group: { _id: '$ownerId' } },
        { $count: 'owners' },
      ]);
      return counted?.owners ?? 0;
    },
  };
}
export type PasskeyLibrary = ReturnType<typeof createPasskeyLibrary>;
