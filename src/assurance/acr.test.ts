import { describe, expect, it } from '@jest/globals';
import { ACR, chooseAcr, satisfies } from './acr.js';

describe('assurance levels', () => {
  it('are met by the methods that prove them', () => {
    expect(satisfies(ACR.password, ['pwd'])).toBe(true);
    expect(satisfies(ACR.otp, ['pwd'])).toBe(false);
    expect(satisfies(ACR.otp, ['pwd', 'otp', 'sms'])).toBe(true);
    expect(satisfies(ACR.passkey, ['pwd', 'otp'])).toBe(false);
    expect(satisfies(ACR.passkey, ['hwk', 'user'])).toBe(true);
    expect(satisfies('urn:unknown', ['hwk'])).toBe(false);
  });

  it('report the first requested level the session meets, else the strongest it reaches', () => {
    expect(chooseAcr([ACR.passkey, ACR.password], ['pwd'])).toBe(ACR.password);
    expect(chooseAcr([], ['pwd', 'otp'])).toBe(ACR.otp);
    expect(chooseAcr(['urn:unknown'], ['swk', 'user'])).toBe(ACR.passkey);
  });
});
