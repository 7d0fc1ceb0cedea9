import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';

/**
 * A software WebAuthn authenticator for HTTP-level tests: it answers real options with real
 * ES256 signatures, and can be told to misbehave (no user verification, a bogus signature, a
 * counter that goes back, another origin or RP ID) to test each refusal precisely. The browser
 * tests use Chromium's virtual authenticator instead.
 */
type Cbor = number | string | Uint8Array | Map<Cbor, Cbor> | { [key: string]: Cbor };

function head(major: number, n: number): number[] {
  if (n < 24) return [(major << 5) | n];
  if (n < 0x100) return [(major << 5) | 24, n];
  if (n < 0x10000) return [(major << 5) | 25, n >> 8, n & 0xff];
  return [(major << 5) | 26, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

function cbor(value: Cbor): Buffer {
  if (typeof value === 'number') return Buffer.from(value >= 0 ? head(0, value) : head(1, -1 - value));
  if (typeof value === 'string')
    return Buffer.concat([Buffer.from(head(3, Buffer.byteLength(value))), Buffer.from(value)]);
  if (value instanceof Uint8Array) return Buffer.concat([Buffer.from(head(2, value.length)), Buffer.from(value)]);
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  return Buffer.concat([Buffer.from(head(5, entries.length)), ...entries.flatMap(([k, v]) => [cbor(k), cbor(v)])]);
}

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

export interface Misbehaviour {
  userVerified?: boolean;
  badSignature?: boolean;
  counter?: number;
  origin?: string;
  rpId?: string;
  userHandle?: string;
}

export class SoftAuthenticator {
  readonly credentialId = randomBytes(32);
  readonly #key: KeyObject;
  readonly #publicJwk: { x: string; y: string };
  counter = 0;
  userHandle: string | undefined;

  constructor(
    readonly origin: string,
    readonly transports: string[] = ['internal'],
    readonly attachment: 'platform' | 'cross-platform' = 'platform',
  ) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.#key = privateKey;
    this.#publicJwk = publicKey.export({ format: 'jwk' }) as { x: string; y: string };
  }

  get id(): string {
    return b64url(this.credentialId);
  }

  #authData(rpId: string, flags: number, counter: number, attested?: Buffer): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), count, ...(attested ? [attested] : [])]);
  }

  /** Answers PublicKeyCredentialCreationOptionsJSON with a "none" attestation. */
  register(options: { challenge: string; rp: { id?: string }; user: { id: string } }, misbehave: Misbehaviour = {}) {
    const rpId = misbehave.rpId ?? options.rp.id!;
    this.userHandle = options.user.id;
    this.counter = misbehave.counter ?? 0;
    const cose = cbor(
      new Map<Cbor, Cbor>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(this.#publicJwk.x, 'base64url')],
        [-3, Buffer.from(this.#publicJwk.y, 'base64url')],
      ]),
    );
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    const attested = Buffer.concat([Buffer.alloc(16), idLength, this.credentialId, cose]);
    const flags = 0x01 | (misbehave.userVerified === false ? 0 : 0x04) | 0x40;
    const authData = this.#authData(rpId, flags, this.counter, attested);
    const clientData = JSON.stringify({
      type: 'webauthn.create',
      challenge: options.challenge,
      origin: misbehave.origin ?? this.origin,
      crossOrigin: false,
    });
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientData),
        attestationObject: b64url(cbor({ fmt: 'none', attStmt: {}, authData })),
        transports: this.transports,
      },
      authenticatorAttachment: this.attachment,
      clientExtensionResults: { credProps: { rk: true } } as Record<string, unknown>,
    };
  }

  /** Answers PublicKeyCredentialRequestOptionsJSON with an assertion. */
  authenticate(options: { challenge: string; rpId?: string }, misbehave: Misbehaviour = {}) {
    const rpId = misbehave.rpId ?? options.rpId!;
    this.counter = misbehave.counter ?? this.counter + 1;
    const flags = 0x01 | (misbehave.userVerified === false ? 0 : 0x04);
    const authData = this.#authData(rpId, flags, this.counter);
    const clientData = JSON.stringify({
      type: 'webauthn.get',
      challenge: options.challenge,
      origin: misbehave.origin ?? this.origin,
      crossOrigin: false,
    });
    let signature = sign('sha256', Buffer.concat([authData, sha256(clientData)]), this.#key);
    if (misbehave.badSignature) signature = sign('sha256', Buffer.from('something else'), this.#key);
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientData),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        userHandle: misbehave.userHandle ?? this.userHandle,
      },
      authenticatorAttachment: this.attachment,
      clientExtensionResults: {} as Record<string, unknown>,
    };
  }
}
