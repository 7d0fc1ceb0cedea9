import type { AuditEvent } from './model.js';

/**
 * Audit events out, as they are recorded, for the airline's SIEM and CRM: JSON lines on stdout
 * (AUDIT_STREAM=stdout) and/or signed webhooks (AUDIT_WEBHOOK_URL). A sink takes an event without
 * waiting: nothing here may slow down or fail the request that recorded it.
 */
export type AuditMessage = Omit<AuditEvent, '_id' | 'at' | 'expiresAt'> & { id: string; at: string };

export interface AuditSink {
  publish(message: AuditMessage): void;
  /** Delivers what is still queued, within a bounded time (SIGTERM). */
  close(): Promise<void>;
}

/** What a receiver gets: everything the audit trail holds for the event, under stable names. */
export function auditMessage(event: Omit<AuditEvent, 'expiresAt'>): AuditMessage {
  return {
    id: event._id,
    type: event.type,
    outcome: event.outcome,
    at: event.at.toISOString(),
    memberId: event.memberId,
    clientId: event.clientId,
    actor: event.actor,
    ip: event.ip,
    userAgent: event.userAgent,
    detail: event.detail,
  };
}

/**
 * One line `{"audit":{…}}` per event on stdout, beside pino's log lines (which carry `level` and
 * `msg`): a log shipper routes on the top-level `audit` object. Written whatever LOG_LEVEL is.
 */
export function stdoutSink(write: (line: string) => void = (line) => process.stdout.write(line)): AuditSink {
  return {
    publish: (message) => write(`${JSON.stringify({ audit: message })}\n`),
    close: async () => {},
  };
}
