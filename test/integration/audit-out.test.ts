import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { startTestApp, type TestApp, uniqueDbName } from '../support/app.js';
import { Browser } from '../support/browser.js';
import { authorizationUrl, firstPartyWebRp } from '../support/rp.js';

/**
 * Audit events out, as a SIEM receives them: a signed webhook that a receiver can verify with
 * the documented recipe, retried after a server error, never blocking the member's page; and
 * JSON lines on stdout.
 */
interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}

const SECRET = 'audit-webhook-secret-for-the-tests-0123';
let receiver: Server;
let url = '';
const received: Delivery[] = [];
/** Statuses for the next requests, in order; 200 when empty. A promise holds the answer back. */
let answers: Array<number | Promise<number>> = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', async () => {
      received.push({ headers: req.headers, body });
      res.statusCode = await (answers.shift() ?? 200);
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/siem/events`;
});

afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

afterEach(() => {
  received.length = 0;
  answers = [];
});

/** What a receiver does: recompute the HMAC of "<t>.<raw body>" and check the age of t. */
function verifies(delivery: Delivery, secret: string): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(delivery.headers['x-jmb-signature']));
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(`${match[1]}.${delivery.body}`).digest();
  const fresh = Math.abs(Date.now() / 1000 - Number(match[1])) < 300;
  return fresh && timingSafeEqual(expected, Buffer.from(match[2]!, 'hex'));
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let waited = 0; !(await condition()); waited += 20) {
    if (waited > 5000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function appWithWebhook(name: string, webhook: Record<string, number> = {}): Promise<TestApp> {
  return startTestApp({
    dbName: uniqueDbName(name),
    env: { AUDIT_WEBHOOK_URL: url, AUDIT_WEBHOOK_SECRET: SECRET },
    tweak: (config) => Object.assign(config.auditOut.webhook!, { retryBaseMs: 20, flushMs: 1000, ...webhook }),
  });
}

/** An answer held back until the test releases it with a status. */
function heldAnswer(): { answer: Promise<number>; release(status: number): void } {
  let release: (status: number) => void = () => {};
  const answer = new Promise<number>((resolve) => {
    release = resolve;
  });
  return { answer, release: (status) => release(status) };
}

const dropped = async (app: TestApp, reason: string) => {
  const line = (await app.context.metrics.registry.metrics())
    .split('\n')
    .find((l) => l.startsWith(`jmb_audit_webhook_total{outcome="dropped",reason="${reason}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
};

describe('the audit webhook', () => {
  it('receives a failed sign-in as a signed event with all the trail holds, retried after a 500', async () => {
    const app = await appWithWebhook('audit-webhook');
    try {
      const member = await app.context.members.create({
        familyName: 'Audit',
        givenName: 'Out',
        email: 'audit.out@example.jp',
        countryOfResidence: 'JP',
        password: 'the right password',
      });
      const rp = await firstPartyWebRp(app, 'https://rp.example.com/cb');
      answers = [500];
      const browser = new Browser();
      browser.headers['user-agent'] = 'AuditTest/1.0';
      const login = await browser.go((await authorizationUrl(rp)).url);
      const typed = { membershipNumber: member.membershipNumber, password: 'a wrong password' };
      expect((await browser.submit(login, 'form[action$="/login"]', typed)).status).toBe(401);

      await waitFor(() => received.length >= 2, 'the retry');
      const [first, retry] = received as [Delivery, Delivery];
      expect(first.body).toBe(retry.body);
      expect(retry.headers['x-jmb-event-id']).toBe(first.headers['x-jmb-event-id']);
      expect(retry.headers['content-type']).toBe('application/json');
      expect(verifies(retry, SECRET)).toBe(true);
      expect(verifies(retry, `${SECRET}x`)).toBe(false);
      expect(verifies({ ...retry, body: retry.body.replace('failure', 'success') }, SECRET)).toBe(false);

      const event = JSON.parse(retry.body);
      const stored = await app.connection.collection('audit_events').findOne({ type: 'login.password' });
      expect(event).toEqual({
        id: stored!._id,
        type: 'login.password',
        outcome: 'failure',
        at: stored!.at.toISOString(),
        memberId: member._id,
        clientId: rp.clientId,
        ip: expect.stringMatching(/127\.0\.0\.1|::1/),
        userAgent: 'AuditTest/1.0',
        detail: { reason: 'invalid', membershipNumber: member.membershipNumber },
      });
      expect(retry.body).not.toContain('a wrong password');
    } finally {
      await app.close();
    }
    expect(received).toHaveLength(2);
  });

  it('never makes the request wait for a slow receiver, and delivers what is queued on shutdown', async () => {
    const app = await appWithWebhook('audit-webhook-slow', { concurrency: 1 });
    const slow = heldAnswer();
    answers = [slow.answer];
    const started = performance.now();
    await app.context.audit.record({ type: 'member.locked', outcome: 'success', memberId: 'm-1', actor: 'admin:a' });
    await app.context.audit.record({ type: 'member.unlocked', outcome: 'success', memberId: 'm-1' });
    expect(performance.now() - started).toBeLessThan(1000);
    await waitFor(() => received.length === 1, 'the first request');
    setTimeout(() => slow.release(200), 50);
    await app.close();
    expect(received.map((delivery) => JSON.parse(delivery.body).type)).toEqual(['member.locked', 'member.unlocked']);
  });

  it('drops, logs and counts what does not fit in the queue, and a refusal without retrying', async () => {
    const app = await appWithWebhook('audit-webhook-full', { queueSize: 1, concurrency: 1 });
    try {
      const held = heldAnswer();
      answers = [held.answer, 400];
      const event = { type: 'member.locked', outcome: 'success', memberId: 'm-2' } as const;
      for (let i = 0; i < 3; i += 1) await app.context.audit.record(event);
      expect(await dropped(app, 'queue_full')).toBe(2);
      held.release(400);
      await waitFor(async () => (await dropped(app, 'refused')) === 1, 'the refusal');
      await app.context.audit.record(event);
      await waitFor(async () => (await dropped(app, 'refused')) === 2, 'the second refusal');
    } finally {
      await app.close();
    }
    // Neither refusal (400) was tried again.
    expect(received).toHaveLength(2);
  });

  it('gives up after the last try, and cuts the backoff short at shutdown', async () => {
    const app = await appWithWebhook('audit-webhook-down', { attempts: 3, retryBaseMs: 60_000, flushMs: 300 });
    answers = [503, 503, 503, 503];
    await app.context.audit.record({ type: 'member.locked', outcome: 'success', memberId: 'm-3' });
    await waitFor(() => received.length === 1, 'the first try');
    const started = performance.now();
    await app.close();
    expect(performance.now() - started).toBeLessThan(2000);
    // The minute of backoff was not waited for: the remaining tries came at shutdown.
    expect(received).toHaveLength(3);
    expect(await dropped(app, 'retries_exhausted')).toBe(1);
  });
});

describe('AUDIT_STREAM=stdout', () => {
  it('writes one {"audit":{…}} JSON line per event', async () => {
    const app = await startTestApp({ dbName: uniqueDbName('audit-stdout'), env: { AUDIT_STREAM: 'stdout' } });
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      await app.context.audit.record({ type: 'member.locked', outcome: 'success', memberId: 'm-4', actor: 'cli' });
    } finally {
      write.mockRestore();
      await app.close();
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0]!)).toEqual({
      audit: {
        id: expect.any(String),
        type: 'member.locked',
        outcome: 'success',
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        memberId: 'm-4',
        actor: 'cli',
      },
    });
  });
});
