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

export interface RateLimiter {
  /** Counts one event against `key`; allowed while the count stays within `limit`. */
  hit(key: string, limit: number, windowSeconds: number): Promise<Hit>;
  /** The live window for `key`, if any, without counting. */
  peek(key: string): Promise<{ count: number; resetAt: Date } | null>;
  /** Keeps the window (and so a lockout) alive until `until`. */
  holdUntil(key: string, until: Date): Promise<void>;
  reset(key: string): Promise<void>;
}

export function createRateLimiter(model: RateLimitModel, clock: Clock): RateLimiter {
  return {
    async hit(key, limit, windowSeconds) {
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const now = clock.now();
        const live = await model
          .findOneAndUpdate({ _id: key, resetAt: { $gt: now } }, { $inc: { count: 1 } }, { returnDocument: 'after' })
          .lean();
        if (live) return { allowed: live.count <= limit, count: live.count, resetAt: live.resetAt };
        const resetAt = new Date(now.getTime() + windowSeconds * 1000);
        try {
          const fresh = await model
            .findOneAndUpdate(
              { _id: key, resetAt: { $lte: now } },
              { $set: { count: 1, resetAt, expiresAt: resetAt } },
              { upsert: true, returnDocument: 'after' },
            )
            .lean();
          if (fresh) return { allowed: fresh.count <= limit, count: fresh.count, resetAt: fresh.resetAt };
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
      }
      throw new Error(`rate limit counter ${key.split(':')[0]} kept changing under us`);
    },
    async peek(key) {
      const doc = await model.findOne({ _id: key, resetAt: { $gt: clock.now() } }).lean();
      return doc ? { count: doc.count, resetAt: doc.resetAt } : null;
    },
    async holdUntil(key, until) {
      await model.updateOne({ _id: key }, { $max: { resetAt: until, expiresAt: until } });
    },
    async reset(key) {
      await model.deleteOne({ _id: key });
    },
  };
}
