import { createHmac } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../observability/metrics.js';
import type { AuditMessage, AuditSink } from './outbound.js';

/**
 * Audit events POSTed to AUDIT_WEBHOOK_URL, one JSON event per request, signed:
 * `X-JMB-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with
 * AUDIT_WEBHOOK_SECRET>`. The timestamp is signed so a captured request cannot be replayed later;
 * `X-JMB-Event-Id` lets a receiver drop a retry it already has. A bounded queue in memory,
 * a few requests at a time, retries with exponential backoff; an event that cannot be delivered
 * (queue full, refused, retries exhausted, shutdown) is logged at error level and counted. The
 * database copy is kept either way.
 */
type Options = NonNullable<Config['auditOut']['webhook']>;

interface Job {
  message: AuditMessage;
  body: string;
}

export function signature(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** 2xx delivered; 408, 429, 5xx and network errors are worth another try; anything else is a refusal. */
type Attempt = { result: 'delivered' } | { result: 'retry' | 'refused'; reason: string };

export function webhookSink(options: Options, deps: { logger: Logger; metrics: Metrics; clock: Clock }): AuditSink {
  const { logger, metrics, clock } = deps;
  const queue: Job[] = [];
  let inFlight = 0;
  let closing = false;
  const stop = new AbortController();
  const wakeUps = new Set<() => void>();
  const idleWaiters = new Set<() => void>();
  const idle = () =>
    inFlight === 0 && queue.length === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.add(resolve));

  const drop = (job: Job, reason: string) => {
    metrics.auditDelivery('dropped', reason.split(' ')[0]);
    logger.error(
      { audit: job.message.type, auditId: job.message.id, reason },
      'audit event not delivered to the webhook (it is kept in the audit trail)',
    );
  };

  // A backoff that shutdown cuts short: the last tries happen at once.
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (closing) return resolve();
      const done = () => {
        clearTimeout(timer);
        wakeUps.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      wakeUps.add(done);
    });

  async function attempt(job: Job): Promise<Attempt> {
    const timestamp = Math.floor(clock.now().getTime() / 1000);
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'jmb-idp-audit-webhook',
          'x-jmb-event-id': job.message.id,
          'x-jmb-signature': signature(options.secret, timestamp, job.body),
        },
        body: job.body,
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(options.timeoutMs), stop.signal]),
      });
      await response.body?.cancel();
      if (response.ok) return { result: 'delivered' };
      const retry = response.status === 408 || response.status === 429 || response.status >= 500;
      return {
        result: retry ? 'retry' : 'refused',
        reason: `${retry ? 'retries_exhausted' : 'refused'} ${response.status}`,
      };
    } catch (error) {
      const reason = stop.signal.aborted ? 'shutdown' : `retries_exhausted ${(error as Error).name}`;
      return { result: 'retry', reason };
    }
  }

  async function deliver(job: Job): Promise<void> {
    for (let tries = 1; ; tries += 1) {
      const outcome = await attempt(job);
      if (outcome.result === 'delivered') return metrics.auditDelivery('delivered');
      if (outcome.result === 'refused' || tries >= options.attempts || stop.signal.aborted)
        return drop(job, outcome.reason);
      metrics.auditDelivery('retried');
      const backoff = options.retryBaseMs * 2 ** (tries - 1);
      await pause(Math.min(backoff * (1 + Math.random() / 5), 60_000));
    }
  }

  function pump(): void {
    while (inFlight < options.concurrency && queue.length > 0) {
      const job = queue.shift()!;
      inFlight += 1;
      void deliver(job).finally(() => {
        inFlight -= 1;
        pump();
        if (inFlight > 0 || queue.length > 0) return;
        for (const resolve of idleWaiters) resolve();
        idleWaiters.clear();
      });
    }
  }

  return {
    publish(message) {
      const job = { message, body: JSON.stringify(message) };
      if (closing) return drop(job, 'shutdown');
      if (queue.length + inFlight >= options.queueSize) return drop(job, 'queue_full');
      queue.push(job);
      pump();
    },

    async close() {
      closing = true;
      for (const wake of [...wakeUps]) wake();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, options.flushMs);
      });
      await Promise.race([idle(), late]);
      clearTimeout(timer);
      for (const job of queue.splice(0)) drop(job, 'shutdown');
      // What is still in flight is cut off, and dropped (logged) at once.
      stop.abort();
      await idle();
    },
  };
}
