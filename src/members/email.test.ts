import { describe, expect, it } from '@jest/globals';
import { checkEmail, maskEmail } from './email.js';

describe('e-mail address rules (seed page 003, conditions 1 to 3)', () => {
  it.each([
    // The seed's own examples.
    ['.abcd@example.co.jp', ['email.periodAtEdge']],
    ['abcd.@example.co.jp', ['email.periodAtEdge']],
    ['ab..cd@example.co.jp', ['email.consecutivePeriods']],
    ['abcd..@example.co.jp', ['email.periodAtEdge', 'email.consecutivePeriods']],
    ['ab[cd@example.co.jp', ['email.forbiddenCharacters']],
    ['ab@cd@example.co.jp', ['email.forbiddenCharacters']],
  ])('refuses %s', (address, problems) => {
    expect(checkEmail(address).problems).toEqual(problems);
  });

  it.each(["o'brien+jmb@example.co.jp", 'a.b.c@mail.example.com', "!#$%&'*+-/=?^_{|}~@example.jp", 'TARO@EXAMPLE.JP'])(
    'accepts %s',
    (address) => {
      expect(checkEmail(address).problems).toEqual([]);
    },
  );

  it.each([
    'plainaddress',
    '@example.jp',
    'taro@',
    'taro@localhost',
    'taro@-example.jp',
    'taro@example.j',
    'taro@exa mple.jp',
  ])('calls %s malformed', (address) => {
    expect(checkEmail(address).problems).toEqual(['email.malformed']);
  });

  it('normalises full-width input and case', () => {
    expect(checkEmail(' ＴＡＲＯ＠ｅｘａｍｐｌｅ．ｊｐ ').address).toBe('taro@example.jp');
  });

  it('masks addresses for display', () => {
    expect(maskEmail('taro.nihon@example.jp')).toBe('t***@example.jp');
  });
});
