/**
 * The arithmetic of the SMS guard, kept pure so it can be tested as a table: the budget windows,
 * the backoff between SMS to one number, and the number range a velocity limit counts.
 */
export type SmsWindow = 'hour' | 'day';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Budget days are calendar days in Japan (UTC+9, no daylight saving time), the airline's day. */
const JST = 9 * HOUR;

/**
 * The budget windows `now` falls in: the clock hour and the Japanese calendar day. Each has its
 * own counter key, so a new window starts from zero without anyone resetting it.
 */
export function budgetWindows(now: Date): Array<{ window: SmsWindow; key: string; endsAt: Date }> {
  const t = now.getTime();
  const hourStart = Math.floor(t / HOUR) * HOUR;
  const dayStart = Math.floor((t + JST) / DAY) * DAY - JST;
  return [
    { window: 'hour', key: `sms-budget:hour:${new Date(hourStart).toISOString()}`, endsAt: new Date(hourStart + HOUR) },
    {
      window: 'day',
      key: `sms-budget:day:${new Date(dayStart + JST).toISOString().slice(0, 10)}`,
      endsAt: new Date(dayStart + DAY),
    },
  ];
}

/**
 * How long the next SMS to a number waits after the `sent`-th one of a streak: the base, doubled
 * each time, capped (60 s, 2 min, 4 min, … 30 min).
 */
export function backoffSeconds(sent: number, rules: { baseSeconds: number; maxSeconds: number }): number {
  if (sent < 1) return 0;
  return Math.min(rules.maxSeconds, rules.baseSeconds * 2 ** Math.min(sent - 1, 30));
}

/** The range of an E.164 number a velocity limit counts: its first `digits` digits (+819012…). */
export function smsPrefix(e164: string, digits: number): string {
  return e164.replace(/^\+/, '').slice(0, digits);
}
