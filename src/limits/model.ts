import { type Connection, type Model, Schema } from 'mongoose';

/** A fixed-window counter; the key names what is counted and for whom (an HMAC, never in clear). */
interface Counter {
  _id: string;
  count: number;
  resetAt: Date;
  /** Housekeeping only: expiry is always checked against resetAt. */
  expiresAt: Date;
}

const counterSchema = new Schema<Counter>(
  {
    _id: { type: String, required: true },
    count: { type: Number, required: true },
    resetAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'rate_limits', versionKey: false },
);
counterSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type RateLimitModel = Model<Counter>;
export function createRateLimitModel(connection: Connection): RateLimitModel {
  return connection.model<Counter>('RateLimit', counterSchema);
}
