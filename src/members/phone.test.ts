import { describe, expect, it } from '@jest/globals';
import { maskPhone, normalisePhone } from './phone.js';

describe('mobile phone numbers', () => {
  it.each([
    ['090-1234-5678', '+819012345678'],
    ['０８０ １２３４ ５６７８', '+818012345678'],
    ['+81 70-1234-5678', '+817012345678'],
    ['+44 7911 123456', '+447911123456'],
  ])('normalises %s to E.164', (input, e164) => {
    expect(normalisePhone(input)).toEqual({ e164 });
  });

  it.each([
    ['03-1234-5678', 'phone.notMobile'],
    ['090-1234', 'phone.invalid'],
    ['not a number', 'phone.invalid'],
    ['+1 555 0100 0100 0100', 'phone.invalid'],
  ])('refuses %s', (input, problem) => {
    expect(normalisePhone(input)).toEqual({ problem });
  });

  it('masks numbers for display', () => {
    expect(maskPhone('+819012345678')).toBe('***-****-5678');
  });
});
