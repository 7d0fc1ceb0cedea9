import { describe, expect, it } from '@jest/globals';
import Keygrip from 'keygrip';
import { createCookieSigner } from './cookie-signer.js';

const current = 'k'.repeat(40);
const previous = 'p'.repeat(40);
const value = 'jmb_session=abc123';

describe('cookie signer', () => {
  it('signs as keygrip did, so cookies signed before a deployment stay valid after it', () => {
    const before = new Keygrip([current, previous]);
    const signer = createCookieSigner([current, previous]);
    expect(signer.sign(value)).toBe(before.sign(value));
    expect(signer.index(value, before.sign(value))).toBe(0);
    expect(before.index(value, signer.sign(value))).toBe(0);
  });

  it('accepts a cookie signed with a previous key and says which, so it is signed again with the current one', () => {
    const old = createCookieSigner([previous]).sign(value);
    expect(createCookieSigner([current, previous]).index(value, old)).toBe(1);
    expect(createCookieSigner([current]).verify(value, old)).toBe(false);
  });

  it('refuses a changed value, a changed or truncated signature, and a signature that is not base64url', () => {
    const signer = createCookieSigner([current]);
    const signature = signer.sign(value);
    expect(signer.verify(`${value}x`, signature)).toBe(false);
    const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    expect(signer.verify(value, flipped)).toBe(false);
    expect(signer.verify(value, signature.slice(0, -1))).toBe(false);
    expect(signer.verify(value, `${signature}=`)).toBe(false);
    expect(signer.verify(value, signature.replace(/./, '+'))).toBe(false);
    expect(signer.verify(value, '')).toBe(false);
  });
});
