import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ManualClock } from '../../src/clock.js';
import type { IssueRequest } from '../../src/otp/library.js';
import { startTestApp, type TestApp, uniqueDbName } from '../support/app.js';
import { type DeliveryStandIns, startDeliveryStandIns } from '../support/delivery.js';
import { codeIn } from '../support/vonage.js';

/**
 * The rules of one-time passwords, on the real database and delivery paths, with a frozen clock
 * so that expiry is tested to the second.
 */
let app: TestApp;
let delivery: DeliveryStandIns;
const clock = new ManualClock({ start: new Date('2026-11-22T09:00:00Z') });
let memberId = '';
const EMAIL = 'rules@example.jp';

beforeAll(async () => {
  delivery = await startDeliveryStandIns();
  app = await startTestApp({ dbName: uniqueDbName('otp-rules'), clock, env: delivery.env });
  memberId = (
    await app.context.members.create({
      familyName: 'Rule',
      givenName: 'Tester',
      email: EMAIL,
      countryOfResidence: 'JP',
      password: 'irrelevant password',
    })
  )._id;
});

afterAll(async () => {
  await app?.close();
  await delivery?.close();
});

beforeEach(async () => {
  await app.connection.collection('rate_limits').deleteMany({});
  await app.connection.collection('codes').deleteMany({});
});

const request = (overrides: Partial<IssueRequest> = {}): IssueRequest => ({
  memberId,
  memberName: 'Rule Tester',
  purpose: 'account',
  binding: 'session-1',
  channel: 'email',
  destination: EMAIL,
  locale: 'ja',
  ip: '203.0.113.7',
  ...overrides,
});

async function issue(overrides: Partial<IssueRequest> = {}): Promise<string> {
  const result = await app.context.otp.issue(request(overrides));
  if (!result.ok) throw new Error(`not issued: ${result.reason}`);
  return codeIn(delivery.smtp.lastTo(overrides.destination ?? EMAIL)?.text);
}

const verify = (code: string, overrides: { purpose?: IssueRequest['purpose']; binding?: string; ip?: string } = {}) =>
  app.context.otp.verify({
    memberId,
    purpose: overrides.purpose ?? 'account',
    binding: overrides.binding ?? 'session-1',
    code,
    ip: overrides.ip ?? '203.0.113.7',
  });

const other = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('one-time passwords', () => {
  it('are six digits, in the member’s language, and never stored in clear', async () => {
    const code = await issue();
    expect(code).toMatch(/^\d{6}$/);
    const mail = delivery.smtp.lastTo(EMAIL)!;
    expect(mail.subject).toBe('【JMB】ワンタイムパスワードのお知らせ');
    expect(mail.text).toContain('有効期限は10分間で、一度のみ使用できます。');
    const stored = await app.connection.collection('codes').findOne({ memberId });
    expect(JSON.stringify(stored)).not.toContain(code);
  });

  it('expire at exactly 10 minutes', async () => {
    const code = await issue();
    clock.advanceSeconds(10 * 60 - 1);
    const stillValid = await issue({ binding: 'session-2', purpose: 'email-change' });
    expect((await verify(stillValid, { binding: 'session-2', purpose: 'email-change' })).ok).toBe(true);
    clock.advanceSeconds(1);
    expect(await verify(code)).toEqual({ ok: false, reason: 'expired' });
  });

  it('are valid at 9:59 and not at 10:00', async () => {
    const code = await issue();
    clock.advanceSeconds(599);
    expect(await verify(code)).toMatchObject({ ok: true });
    const next = await issue({ binding: 'session-3' });
    clock.advanceSeconds(600);
    expect(await verify(next, { binding: 'session-3' })).toEqual({ ok: false, reason: 'expired' });
  });

  it('can be used once', async () => {
    const code = await issue();
    expect(await verify(code)).toEqual({ ok: true, channel: 'email', destination: EMAIL });
    expect(await verify(code)).toEqual({ ok: false, reason: 'used' });
  });

  it('are invalid once a newer one was issued', async () => {
    const older = await issue();
    clock.advanceSeconds(60);
    const newer = await issue();
    if (older !== newer) expect(await verify(older)).toEqual({ ok: false, reason: 'invalid', remaining: 4 });
    expect((await verify(newer)).ok).toBe(true);
  });

  it('die at the fifth wrong try; the sixth try fails even with the right code', async () => {
    const code = await issue();
    for (let remaining = 4; remaining >= 1; remaining -= 1)
      expect(await verify(other(code))).toEqual({ ok: false, reason: 'invalid', remaining });
    expect(await verify(other(code))).toEqual({ ok: false, reason: 'exhausted' });
    expect(await verify(code)).toEqual({ ok: false, reason: 'exhausted' });
    const audit = await app.connection.collection('audit_events').findOne({ type: 'otp.exhausted', memberId });
    expect(audit).not.toBeNull();
  });

  it('cannot serve another purpose or another flow', async () => {
    const code = await issue({ purpose: 'phone-change' });
    expect(await verify(code, { purpose: 'step-up' })).toEqual({ ok: false, reason: 'none' });
    expect(await verify(code, { purpose: 'passkey-registration' })).toEqual({ ok: false, reason: 'none' });
    expect(await verify(code, { purpose: 'phone-change', binding: 'someone-elses-flow' })).toEqual({
      ok: false,
      reason: 'none',
    });
    expect((await verify(code, { purpose: 'phone-change' })).ok).toBe(true);
  });

  it('let exactly one of two simultaneous submissions of the right code succeed', async () => {
    const code = await issue();
    const results = await Promise.all([verify(code), verify(code), verify(code)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => (r as { reason: string }).reason)).toEqual(['used', 'used']);
  });

  it('never allow more than five guesses, even in parallel', async () => {
    const code = await issue();
    const guesses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => verify(String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'))),
    );
    const reasons = guesses.map((g) => (g as { reason: string }).reason);
    expect(reasons.filter((r) => r === 'invalid')).toHaveLength(4);
    expect(reasons.filter((r) => r === 'exhausted')).toHaveLength(16);
    const record = await app.connection.collection('codes').findOne({ memberId });
    expect(record?.attempts).toBe(5);
    expect(await verify(code)).toEqual({ ok: false, reason: 'exhausted' });
  });

  it('wait a cooldown between sends', async () => {
    await issue();
    expect(await app.context.otp.issue(request())).toEqual({ ok: false, reason: 'cooldown', retryAfterSeconds: 60 });
    clock.advanceSeconds(30);
    expect(await app.context.otp.issue(request())).toEqual({ ok: false, reason: 'cooldown', retryAfterSeconds: 30 });
    clock.advanceSeconds(30);
    expect((await app.context.otp.issue(request())).ok).toBe(true);
  });

  it('are capped per member, per destination and per IP each hour', async () => {
    const { perMemberPerHour, perIpPerHour } = app.context.config.otp;
    // Per member: different purposes avoid the per-purpose cooldown.
    const purposes = ['account', 'step-up', 'email-change', 'phone-change', 'passkey-registration'] as const;
    let sent = 0;
    for (let i = 0; sent < perMemberPerHour; i += 1) {
      const result = await app.context.otp.issue(
        request({ purpose: purposes[i % purposes.length]!, ip: `198.51.100.${i}` }),
      );
      expect(result.ok).toBe(true);
      sent += 1;
      if (i % purposes.length === purposes.length - 1) clock.advanceSeconds(61);
    }
    clock.advanceSeconds(61);
    expect(await app.context.otp.issue(request({ ip: '198.51.100.200' }))).toEqual({ ok: false, reason: 'tooMany' });
    clock.advanceSeconds(3600);

    // Per IP: many members' codes from one address.
    await app.connection.collection('rate_limits').deleteMany({});
    for (let i = 0; i < perIpPerHour; i += 1) {
      expect(
        (await app.context.otp.issue(request({ memberId: `member-${i}`, destination: `m${i}@example.jp` }))).ok,
      ).toBe(true);
    }
    expect(await app.context.otp.issue(request({ memberId: 'member-x', destination: 'x@example.jp' }))).toEqual({
      ok: false,
      reason: 'tooMany',
    });
  });

  it('are capped per destination, whoever asks', async () => {
    const { perDestinationPerHour } = app.context.config.otp;
    for (let i = 0; i < perDestinationPerHour; i += 1) {
      expect((await app.context.otp.issue(request({ memberId: `pump-${i}`, ip: `192.0.2.${i}` }))).ok).toBe(true);
    }
    expect(await app.context.otp.issue(request({ memberId: 'pump-last', ip: '192.0.2.250' }))).toEqual({
      ok: false,
      reason: 'tooMany',
    });
  });

  it('count an undelivered code against the caps but allow an immediate retry', async () => {
    delivery.smtp.failNext();
    expect(await app.context.otp.issue(request())).toEqual({ ok: false, reason: 'deliveryFailed', channel: 'email' });
    expect(await app.connection.collection('codes').countDocuments({ memberId })).toBe(0);
    expect((await app.context.otp.issue(request())).ok).toBe(true);
    const counter = await app.connection
      .collection('rate_limits')
      .find({ _id: { $regex: '^otp-member:' } as never })
      .toArray();
    expect(counter[0]?.count).toBe(2);
  });
});
