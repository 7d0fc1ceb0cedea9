import { describe, expect, it } from '@jest/globals';
import { backoffSeconds, budgetWindows, smsPrefix } from './sms-rules.js';

/** The SMS guard's arithmetic: budget windows, backoff per number, number ranges. */
describe('SMS budget windows', () => {
  it('are the clock hour and the calendar day in Japan', () => {
    const [hour, day] = budgetWindows(new Date('2026-11-22T14:59:59.999Z'));
    expect(hour).toEqual({
      window: 'hour',
      key: 'sms-budget:hour:2026-11-22T14:00:00.000Z',
      endsAt: new Date('2026-11-22T15:00:00Z'),
    });
    // 23:59:59 in Tokyo: the day ends at midnight JST, 15:00 UTC.
    expect(day).toEqual({ window: 'day', key: 'sms-budget:day:2026-11-22', endsAt: new Date('2026-11-22T15:00:00Z') });
  });

  it('start afresh at midnight in Japan', () => {
    const [hour, day] = budgetWindows(new Date('2026-11-22T15:00:00Z'));
    expect(hour?.key).toBe('sms-budget:hour:2026-11-22T15:00:00.000Z');
    expect(day).toEqual({ window: 'day', key: 'sms-budget:day:2026-11-23', endsAt: new Date('2026-11-23T15:00:00Z') });
  });
});

describe('the backoff between SMS to one number', () => {
  const rules = { baseSeconds: 60, maxSeconds: 1800 };
  it.each([
    [0, 0],
    [1, 60],
    [2, 120],
    [3, 240],
    [4, 480],
    [5, 960],
    [6, 1800],
    [7, 1800],
    [1000, 1800],
  ])('after the SMS number %i of a streak is %i seconds', (sent, seconds) => {
    expect(backoffSeconds(sent, rules)).toBe(seconds);
  });
});

describe('the number range a velocity limit counts', () => {
  it('is the country code and the leading digits', () => {
    expect(smsPrefix('+819012345678', 6)).toBe('819012');
    expect(smsPrefix('+447911123456', 6)).toBe('447911');
    expect(smsPrefix('+18765550143', 4)).toBe('1876');
  });
});
