import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { AuditRecorder } from '../audit/recorder.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Member } from '../members/model.js';
import type { Hmac } from '../security/hmac.js';
import { authenticatorName } from './authenticators.js';
import type { ChallengeModel, Passkey, PasskeyModel } from './model.js';

/**
 * Passkey ceremonies (WebAuthn through @simplewebauthn/server): resident key and user
 * verification required, attestation none, the RP ID and origins from configuration and always
 * checked, challenges server-side and single use, the credential checked against the member
 * being signed in, counters that go backwards refused and recorded.
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
  | { ok: true; member: Member; passkey: Passkey; amr: string[]; crossDevice: boolean; signals: PasskeySignals }
  | { ok: false; reason: PasskeyFailure; memberId?: string | undefined; discoverable: boolean };

export type RegistrationResult = { ok: true; passkey: Passkey; signals: PasskeySignals } | { ok: false; reason: PasskeyFailure };

/** The WebAuthn user handle of a member: their opaque id, never the membership number. */
export const userHandleOf = (member: Member) => Buffer.from(member._id, 'utf8').toString('base64url');
const displayNameOf = (member: Member) => `${member.familyName} ${member.givenName}`;

/** Lean reads give BSON Binary for Buffer fields; WebAuthn needs the bytes. */
function bytesOf(value: unknown): Uint8Array<ArrayBuffer> {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  const inner = (value as { buffer?: unknown } | null)?.buffer;
  if (inner instanceof Uint8Array) return new Uint8Array(inner);
  throw new Error('stored public key is not binary');
}

function challengeOf(response: { response: { clientDataJSON: string } }): string | undefined {
  try {
    const clientData = JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown };
    return typeof clientData.challenge === 'string' && /^[A-Za-z0-9_-]{16,128}$/.test(clientData.challenge) ? clientData.challenge : undefined;
  } catch {
    return undefined;
  }
}

export function createPasskeyLibrary(deps: {
  passkeys: PasskeyModel;
  challenges: ChallengeModel;
  findMember: (id: string) => Promise<Member | null>;
  findMemberByNumber: (number: string) => Promise<Member | null>;
  config: Config;
  clock: Clock;
  hmac: Hmac;
  audit: AuditRecorder;
}) {
  const { passkeys, challenges, config, clock, hmac, audit } = deps;
  const { rpId, rpName, origins } = config.webauthn;

  async function storeChallenge(challenge: string, fields: Omit<Parameters<typeof challenges.create>[0] & object, '_id' | 'expiresAt'>) {
    await challenges.create({ _id: challenge, ...fields, expiresAt: new Date(clock.now().getTime() + CHALLENGE_TTL_MS) });
  }

  /** Deleted before anything is verified, so a failed attempt cannot be retried with it. */
  async function consumeChallenge(challenge: string | undefined, purpose: 'registration' | 'authentication', binding: string) {
    if (!challenge) return null;
    const record = await challenges.findOneAndDelete({ _id: challenge, purpose, binding }).lean();
    if (!record || record.expiresAt.getTime() <= clock.now().getTime()) return null;
    return record;
  }

  /**
   * Stand-ins for the credentials of an unknown number (or a member without passkeys): derived
   * from an HMAC of the number, so they are stable across tries and look like real ones.
   */
  function decoyCredentials(membershipNumber: string) {
    const seed = Buffer.from(hmac.digest('passkey-decoy', membershipNumber), 'base64url');
    const count = 1 + (seed[0]! % 2);
    const length = [16, 20, 32][seed[1]! % 3]!;
    return Array.from({ length: count }, (_, i) => ({
      id: Buffer.from(hmac.digest('passkey-decoy', `${membershipNumber}:${i}`), 'base64url').subarray(0, length).toString('base64url'),
      transports: ['hybrid', 'internal'] as AuthenticatorTransport[],
    }));
  }

  async function signalsFor(member: Member): Promise<PasskeySignals> {
    const all = await passkeys.find({ memberId: member._id }, { _id: 1 }).lean();
    return {
      rpID: rpId,
      userID: userHandleOf(member),
      allAcceptedCredentialIDs: all.map((p) => p._id),
      userName: member.membershipNumber,
      userDisplayName: displayNameOf(member),
    };
  }

  return {
    list: (memberId: string) => passkeys.find({ memberId }).sort({ createdAt: 1 }).lean<Passkey[]>(),
    signalsFor,

    async registrationOptions(member: Member, binding: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
      const existing = await passkeys.find({ memberId: member._id }).lean();
      const options = await generateRegistrationOptions({
        rpName,
        rpID: rpId,
        userName: member.membershipNumber,
        userID: Buffer.from(member._id, 'utf8'),
        userDisplayName: displayNameOf(member),
        attestationType: 'none',
        excludeCredentials: existing.map((p) => ({ id: p._id, transports: p.transports as AuthenticatorTransport[] })),
        // No authenticatorAttachment: a phone's passkey may be registered through the QR code.
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
        supportedAlgorithmIDs: ALGORITHMS,
        timeout: CHALLENGE_TTL_MS,
      });
      await storeChallenge(options.challenge, { purpose: 'registration', binding, memberId: member._id });
      return options;
    },

    async register(input: { member: Member; binding: string; response: RegistrationResponseJSON; defaultName: (aaguid: string) => string }): Promise<RegistrationResult> {
      const { member, binding, response } = input;
      const challenge = await consumeChallenge(challengeOf(response), 'registration', binding);
      if (!challenge || challenge.memberId !== member._id) return { ok: false, reason: 'challenge' };
      let verification;
      try {
        verification = await verifyRegistrationResponse({
          response,
          expectedChallenge: challenge._id,
          expectedOrigin: origins,
          expectedRPID: rpId,
          requireUserVerification: true,
          supportedAlgorithmIDs: ALGORITHMS,
        });
      } catch (error) {
        await audit.record({ type: 'passkey.registration_refused', outcome: 'failure', memberId: member._id, detail: { reason: (error as Error).message } });
        return { ok: false, reason: 'notVerified' };
      }
      if (!verification.verified) return { ok: false, reason: 'notVerified' };
      const info = verification.registrationInfo;
      const now = clock.now();
      const passkey: Passkey = {
        _id: info.credential.id,
        memberId: member._id,
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
        if ((error as { code?: number }).code === 11000) return { ok: false, reason: 'duplicate' };
        throw error;
      }
      await audit.record({ type: 'passkey.registered', outcome: 'success', memberId: member._id, detail: { name: passkey.name, deviceType: passkey.deviceType, transports: passkey.transports } });
      return { ok: true, passkey, signals: await signalsFor(member) };
    },

    /**
     * Options for signing in: with a membership number, that member's credentials (with their
     * stored transports, so a browser can offer the QR code for a phone) or decoys that look the
     * same; without one, an empty list for a discoverable passkey.
     */
    async authenticationOptions(input: { binding: string; membershipNumber?: string | undefined; hybrid?: boolean }): Promise<PublicKeyCredentialRequestOptionsJSON> {
      let allowCredentials: Array<{ id: string; transports: AuthenticatorTransport[] }> = [];
      let memberId: string | undefined;
      let decoy = false;
      if (input.membershipNumber) {
        const member = await deps.findMemberByNumber(input.membershipNumber);
        const own = member && member.status === 'active' ? await passkeys.find({ memberId: member._id }).sort({ createdAt: 1 }).lean() : [];
        if (member && own.length > 0) {
          memberId = member._id;
          allowCredentials = own.map((p) => ({ id: p._id, transports: p.transports as AuthenticatorTransport[] }));
        } else {
          decoy = true;
          allowCredentials = decoyCredentials(input.membershipNumber);
        }
      }
      const options = await generateAuthenticationOptions({ rpID: rpId, allowCredentials, userVerification: 'required', timeout: CHALLENGE_TTL_MS });
      await storeChallenge(options.challenge, { purpose: 'authentication', binding: input.binding, memberId, decoy });
      // "Use a passkey on my phone": ask the browser to go straight to the QR code (WebAuthn L3 hints).
      return input.hybrid ? { ...options, hints: ['hybrid'] } : options;
    },

    async authenticate(input: { binding: string; response: AuthenticationResponseJSON }): Promise<AuthenticationResult> {
      const { response } = input;
      let discoverable = false;
      const refuse = async (reason: PasskeyFailure, memberId?: string, error?: string): Promise<AuthenticationResult> => {
        await audit.record({
          type: reason === 'counterRegression' ? 'passkey.counter_regression' : 'login.passkey',
          outcome: 'failure',
          memberId,
          detail: { reason, credential: response.id?.slice(0, 16), ...(error ? { error: error.slice(0, 200) } : {}) },
        });
        return { ok: false, reason, memberId, discoverable };
      };
      const challenge = await consumeChallenge(challengeOf(response), 'authentication', input.binding);
      if (!challenge) return refuse('challenge');
      discoverable = !challenge.memberId && !challenge.decoy;
      if (challenge.decoy) return refuse('unknownCredential');
      const passkey = await passkeys.findById(response.id).lean<Passkey>();
      if (!passkey) return refuse('unknownCredential');
      // Signing in by number: only that member's credentials. Discoverable: the user handle the
      // authenticator returned must name the credential's owner.
      if (challenge.memberId && challenge.memberId !== passkey.memberId) return refuse('wrongMember', challenge.memberId);
      const handle = response.response.userHandle;
      if (!challenge.memberId && (!handle || Buffer.from(handle, 'base64url').toString('utf8') !== passkey.memberId)) {
        return refuse('wrongMember', passkey.memberId);
      }
      const member = await deps.findMember(passkey.memberId);
      if (!member || member.status !== 'active') return refuse('memberInactive', passkey.memberId);
      let verification;
      try {
        verification = await verifyAuthenticationResponse({
          response,
          expectedChallenge: challenge._id,
          expectedOrigin: origins,
          expectedRPID: rpId,
          credential: { id: passkey._id, publicKey: bytesOf(passkey.publicKey), counter: passkey.counter, transports: passkey.transports as AuthenticatorTransport[] },
          requireUserVerification: true,
        });
      } catch (error) {
        const message = (error as Error).message;
        // A counter that does not increase means a cloned authenticator (WebAuthn §6.1.1).
        return refuse(/counter value/i.test(message) ? 'counterRegression' : 'notVerified', member._id, message);
      }
      if (!verification.verified || !verification.authenticationInfo.userVerified) return refuse('notVerified', member._id);
      const info = verification.authenticationInfo;
      // Conditional update: two racing uses of one assertion cannot both move the counter.
      const updated = await passkeys.updateOne(
        { _id: passkey._id, counter: passkey.counter },
        { $set: { counter: info.newCounter, lastUsedAt: clock.now(), backedUp: info.credentialBackedUp, deviceType: info.credentialDeviceType } },
      );
      if (updated.modifiedCount !== 1 && info.newCounter !== 0) return refuse('counterRegression', member._id);
      // RFC 8176: swk for a synced (software-held) passkey, hwk for a device-bound one; user for the
      // biometric or PIN check; mfa since possession and that check are two factors.
      const amr = [info.credentialDeviceType === 'multiDevice' ? 'swk' : 'hwk', 'user', 'mfa'];
      const crossDevice = response.authenticatorAttachment === 'cross-platform';
      await audit.record({ type: 'login.passkey', outcome: 'success', memberId: member._id, detail: { passkey: passkey.name, crossDevice } });
      return { ok: true, member, passkey, amr, crossDevice, signals: await signalsFor(member) };
    },

    async rename(memberId: string, id: string, name: string): Promise<boolean> {
      const result = await passkeys.updateOne({ _id: id, memberId }, { $set: { name } });
      return result.matchedCount === 1;
    },

    async remove(memberId: string, id: string): Promise<Passkey | null> {
      return passkeys.findOneAndDelete({ _id: id, memberId }).lean<Passkey>();
    },
  };
}
export type PasskeyLibrary = ReturnType<typeof createPasskeyLibrary>;
