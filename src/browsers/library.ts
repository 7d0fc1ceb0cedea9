import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { isDuplicateKey } from '../db/errors.js';
import type { Hmac } from '../security/hmac.js';
import type { KnownBrowserModel } from './model.js';

export interface BrowsersLibrary {
  /**
   * Remembers that the member signed in with the browser whose device id this is; whether the
   * member had signed in with it before.
   */
  remember(memberId: string, deviceId: string): Promise<{ known: boolean }>;
}

export function createBrowsersLibrary(deps: {
  model: KnownBrowserModel;
  hmac: Hmac;
  clock: Clock;
  perMember: number;
}): BrowsersLibrary {
  const { model, hmac, clock, perMember } = deps;
  return {
    async remember(memberId, deviceId) {
      const now = clock.now();
      // The member is part of what is hashed: one browser's entries of two members do not match.
      const digest = hmac.digest('known-browser', `${memberId}:${deviceId}`);
      let known: boolean;
      try {
        const result = await model.updateOne(
          { memberId, digest },
          { $set: { lastSeenAt: now }, $setOnInsert: { _id: randomUUID(), firstSeenAt: now } },
          { upsert: true },
        );
        known = result.upsertedCount === 0;
      } catch (error) {
        // Two sign-ins of one browser at once: the other one has just remembered it.
        if (!isDuplicateKey(error)) throw error;
        known = true;
      }
      if (!known) {
        const forgotten = await model
          .find({ memberId }, { _id: 1 })
          .sort({ lastSeenAt: -1 })
          .skip(perMember)
          .lean<Array<{ _id: string }>>();
        if (forgotten.length) await model.deleteMany({ _id: { $in: forgotten.map((entry) => entry._id) } });
      }
      return { known };
    },
  };
}
