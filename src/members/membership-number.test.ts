import { describe, expect, it } from '@jest/globals';
import {
  isValidMembershipNumber,
  normaliseMembershipNumber,
  randomMembershipNumber,
  withCheckDigit,
} from './membership-number.js';

describe('membership numbers', () => {
  it('are 9 digits ending in a Luhn check digit', () => {
    expect(withCheckDigit('12345678')).toBe('123456782');
    expect(isValidMembershipNumber('123456782')).toBe(true);
    expect(isValidMembershipNumber('123456789')).toBe(false); // wrong check digit
    expect(isValidMembershipNumber('213456782')).toBe(false); // swapped digits
    expect(isValidMembershipNumber('12345678')).toBe(false);
    expect(isValidMembershipNumber('1234567820')).toBe(false);
    expect(isValidMembershipNumber('12345678a')).toBe(false);
  });

  it('accept what members type: spaces, hyphens, full-width digits', () => {
    expect(normaliseMembershipNumber('１２３ ４５６-７８２')).toBe('123456782');
  });

  it('are generated valid', () => {
    for (let i = 0; i < 200; i += 1) expect(isValidMembershipNumber(randomMembershipNumber())).toBe(true);
  });
});
