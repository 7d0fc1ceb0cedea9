import { randomUUID } from 'node:crypto';
import { type Connection, type Model, Schema } from 'mongoose';

/**
 * Security events, append only: nothing in the code updates or deletes one (retention is a TTL
 * index, and the recorder never exposes an update).
 */
export interface AuditEvent {
  _id: string;
  at: Date;
  type: string;
  outcome: 'success' | 'failure';
  memberId?: string | undefined;
  clientId?: string | undefined;
  /** Who acted when it is not the member (an admin, a command). */
  actor?: string | undefined;
  ip?: string | undefined;
  userAgent?: string | undefined;
  /** Non-secret detail: reasons, masked destinations, method names. */
  detail?: Record<string, unknown> | undefined;
  expiresAt: Date;
}

const schema = new Schema<AuditEvent>(
  {
    _id: { type: String, default: () => randomUUID() },
    at: { type: Date, required: true },
    type: { type: String, required: true },
    outcome: { type: String, enum: ['success', 'failure'], required: true },
    memberId: String,
    clientId: String,
    actor: String,
    ip: String,
    userAgent: String,
    detail: { type: Schema.Types.Mixed },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'audit_events', versionKey: false },
);
schema.index({ at: -1 });
schema.index({ memberId: 1, at: -1 });
schema.index({ type: 1, at: -1 });
schema.index({ clientId: 1, at: -1 });
schema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type AuditModel = Model<AuditEvent>;
export function createAuditModel(connection: Connection): AuditModel {
  return connection.model<AuditEvent>('AuditEvent', schema);
}
