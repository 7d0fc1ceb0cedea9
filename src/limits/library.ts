import type { Clock } from '../clock.js';
import { isDuplicateKey } from '../db/errors.js';
import type { RateLimitModel } from './model.js';

/**
 * Fixed-window counters in MongoDB, so every instance behind the load balancer shares them.
 * No transactions: a window is created by an upsert that only matches an expired window, and a
 * racing creator loses on the unique _id and retries as an increment.
 */
export interface Hit {
  allowed: boolean;
  count: number;
  resetAt: Date;
}

export interface Window {
  count: number;
  resetAt: Date;
}

export interface RateLimiter {
  /** Counts one event against `key`; allowed while the count stays within `limit`. */
  hit(key: string, limit: number, windowSeconds: number): Promise<Hit>;
  /** The live window for `key`, if any, without counting. */
  peek(key: string): Promise<Window | null>;
  /** The live windows of several keys in one round trip, in the order asked. */
  peekMany(keys: readonly string[]): Promise<Array<Window | null>>;
  /** Keeps the window (and so a lockout) alive until `until`. */
  holdUntil(key: string, until: Date): Promise<void>;
  reset(key: string): Promise<void>;
}

export function createRateLimiter(model: RateLimitModel, clock: Clock): RateLimiter {
  return {
    async hit(key, limit, windowSeconds) {
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const now = clock.now();
        const resetAt = new Date(now.getTime() + windowSeconds * 1000);
        try {
          // One round trip for a live window (counted) and for a key never seen (created); only a
          // window that has run out, whose _id the insert collides with, takes a second one.
          const counted = await model
            .findOneAndUpdate(
              { _id: key, resetAt: { $gt: now } },
              { $inc: { count: 1 }, $setOnInsert: { resetAt, expiresAt: resetAt } },
              { upsert: true, returnDocument: 'after' },
            )
            .lean();
          if (counted) return { allowed: counted.count <= limit, count: counted.count, resetAt: counted.resetAt };
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
        const renewed = await model
          .findOneAndUpdate(
            { _id: key, resetAt: { $lte: now } },
            { $set: { count: 1, resetAt, expiresAt: resetAt } },
            { returnDocument: 'after' },
          )
          .lean();
        if (renewed) return { allowed: renewed.count <= limit, count: renewed.count, resetAt: renewed.resetAt };
        // Another request renewed or counted it in between: count again.
      }
      throw new Error(`rate limit counter ${key.split(':')[0]} kept changing under us`);
    },
    async peek(key) {
      const doc = await model.findOne({ _id: key, resetAt: { $gt: clock.now() } }).lean();
      return doc ? { count: doc.count, resetAt: doc.resetAt } : null;
    },
    async peekMany(keys) {
      const docs = await model.find({ _id: { $in: [...keys] }, resetAt: { $gt: clock.now() } }).lean();
      const byKey = new Map(docs.map((doc) => [doc._id, { count: doc.count, resetAt: doc.resetAt }]));
      return keys.map((key) => byKey.get(key) ?? null);
    },
    async holdUntil(key, until) {
      await model.updateOne({ _id: key }, { $max: { resetAt: until, expiresAt: until } });
    },
    async reset(key) {
      await model.deleteOne({ _id: key });
    },
  };
}
