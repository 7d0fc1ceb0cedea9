import type { Context } from 'koa';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { AuditEvent, AuditModel } from './model.js';
import { currentRequestOrigin } from './request-context.js';

export type AuditInput = Omit<AuditEvent, '_id' | 'at' | 'expiresAt' | 'ip' | 'userAgent'> & { ctx?: Context | undefined };

export interface AuditRecorder {
  record(event: AuditInput): Promise<void>;
}

/**
 * Records a security event. A failure to record is logged, never thrown: an audit outage must not
 * lock members out, and the log line keeps the event.
 */
export function createAuditRecorder(deps: { model: AuditModel; clock: Clock; logger: Logger; retentionDays: number }): AuditRecorder {
  const { model, clock, logger, retentionDays } = deps;
  return {
    async record({ ctx, ...event }) {
      const at = clock.now();
      const origin = currentRequestOrigin();
      const entry = {
        ...event,
        at,
        ip: ctx?.ip ?? origin?.ip,
        userAgent: (ctx?.get('user-agent')?.slice(0, 300) || undefined) ?? origin?.userAgent,
        expiresAt: new Date(at.getTime() + retentionDays * 86_400_000),
      };
      logger.info({ audit: event.type, outcome: event.outcome, member: event.memberId, client: event.clientId, detail: event.detail }, 'audit');
      try {
        await model.create(entry);
      } catch (error) {
        logger.error({ err: error, audit: event.type }, 'could not record an audit event');
      }
    },
  };
}
