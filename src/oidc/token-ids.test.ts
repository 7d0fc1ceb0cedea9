import { describe, expect, it } from '@jest/globals';
import { bitsOfOpaqueRandomness, mayBeIdOf } from './token-ids.js';

const KINDS = [
  'AccessToken',
  'ClientCredentials',
  'RefreshToken',
  'AuthorizationCode',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
];
const lengthOf = (kind: string) => bitsOfOpaqueRandomness(undefined, { kind }) / 6;

describe('opaque token ids', () => {
  it('have a length of their own per kind, each at least the 256 bits oidc-provider gives by default', () => {
    const lengths = KINDS.map(lengthOf);
    expect(new Set(lengths).size).toBe(KINDS.length);
    for (const kind of KINDS) expect(bitsOfOpaqueRandomness(undefined, { kind })).toBeGreaterThan(256);
    // Kinds without a length of their own keep the default.
    expect(bitsOfOpaqueRandomness(undefined, { kind: 'RegistrationAccessToken' })).toBe(258);
  });

  it('are looked up only as their own kind, or as any kind when issued before (43 characters)', () => {
    const accessTokenId = 'a'.repeat(lengthOf('AccessToken'));
    expect(mayBeIdOf('AccessToken', accessTokenId)).toBe(true);
    expect(mayBeIdOf('RefreshToken', accessTokenId)).toBe(false);
    expect(mayBeIdOf('ClientCredentials', accessTokenId)).toBe(false);
    for (const kind of KINDS) expect(mayBeIdOf(kind, 'e'.repeat(43))).toBe(true);
    // Other models (sessions, grants, clients) are not concerned.
    expect(mayBeIdOf('Client', 'jal-web')).toBe(true);
  });
});
