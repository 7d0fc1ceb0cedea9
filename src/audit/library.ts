import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { AuditEventType } from './events.js';
import type { AuditEvent, AuditModel } from './model.js';
import { type AuditSink, auditMessage } from './outbound.js';
import { currentRequestOrigin } from './request-context.js';

/** Where the event came from (IP address, browser) is taken from the request being served. */
export type AuditInput = Omit<AuditEvent, '_id' | 'at' | 'expiresAt' | 'ip' | 'userAgent' | 'type'> & {
  type: AuditEventType;
};

export interface AuditQuery {
  memberId?: string | undefined;
  clientId?: string | undefined;
  type?: string | undefined;
  /** Only events of these types (a member's own security page shows the ones it can describe). */
  types?: readonly string[] | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Paging: events strictly older than this. */
  before?: Date | undefined;
  limit: number;
}

export interface AuditPage {
  events: Array<Omit<AuditEvent, 'expiresAt'>>;
  /** Where the next page starts, when this one was full. */
  nextBefore: Date | null;
}

export interface AuditLibrary {
  record(event: AuditInput): Promise<void>;
  /** Newest first, for the admin API and a member's own security events. */
  query(query: AuditQuery): Promise<AuditPage>;
  /** Delivers what the sinks still hold, within a bounded time (shutdown). */
  close(): Promise<void>;
}

/**
 * The audit trail: security events are recorded and queried here only. A failure to record is
 * logged, never thrown: an audit outage must not lock members out, and the log line keeps the
 * event. Each event also goes to the sinks (audit/outbound.ts), whether or not the database took it.
 */
export function createAuditLibrary(deps: {
  model: AuditModel;
  clock: Clock;
  logger: Logger;
  retentionDays: number;
  sinks?: AuditSink[];
}): AuditLibrary {
  const { model, clock, logger, retentionDays, sinks = [] } = deps;
  return {
    async record(event) {
      const at = clock.now();
      const origin = currentRequestOrigin();
      const entry = {
        ...event,
        _id: randomUUID(),
        at,
        ip: origin?.ip,
        userAgent: origin?.userAgent,
        expiresAt: new Date(at.getTime() + retentionDays * 86_400_000),
      };
      logger.info(
        {
          audit: event.type,
          outcome: event.outcome,
          member: event.memberId,
          client: event.clientId,
          detail: event.detail,
        },
        'audit',
      );
      for (const sink of sinks) {
        try {
          sink.publish(auditMessage(entry));
        } catch (error) {
          logger.error({ err: error, audit: event.type }, 'could not stream an audit event');
        }
      }
      try {
        await model.create(entry);
      } catch (error) {
        logger.error({ err: error, audit: event.type }, 'could not record an audit event');
      }
    },

    async query(q) {
      const filter: Record<string, unknown> = {};
      if (q.memberId) filter.memberId = q.memberId;
      if (q.clientId) filter.clientId = q.clientId;
      if (q.type) filter.type = q.type;
      else if (q.types) filter.type = { $in: [...q.types] };
      const at: Record<string, Date> = {};
      if (q.from) at.$gte = q.from;
      if (q.to) at.$lte = q.to;
      if (q.before) at.$lt = q.before;
      if (Object.keys(at).length) filter.at = at;
      const found = await model.find(filter).sort({ at: -1 }).limit(q.limit).lean<AuditEvent[]>();
      const events = found.map(({ expiresAt: _expires, ...event }) => event);
      return { events, nextBefore: events.length === q.limit ? events.at(-1)!.at : null };
    },

    async close() {
      await Promise.all(sinks.map((sink) => sink.close()));
    },
  };
}
