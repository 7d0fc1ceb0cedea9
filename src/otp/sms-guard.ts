import { type Clock, secondsUntil } from '../clock.js';
import type { Config } from '../config.js';
import type { RateLimiter } from '../limits/library.js';
import type { Logger } from '../log.js';
import { callingCodeOf, smsCallingCodeAllowed } from '../members/phone.js';
import type { Hmac } from '../security/hmac.js';
import { backoffSeconds, budgetWindows, type SmsWindow, smsPrefix } from './sms-rules.js';

/**
 * Toll-fraud (SMS pumping) controls on every SMS, on top of the per-member, per-destination and
 * per-network caps of issue(): only to allowed calling codes; a velocity limit per number range,
 * so an attack spread over many numbers of one range stops; exponential backoff per number; and a
 * global budget per hour and per day that opens the circuit (no SMS at all) until its window ends.
 * Every count is in MongoDB, shared by all instances.
 */
export type SmsRefusal =
  | { reason: 'callingCode'; callingCode: string | undefined }
  | { reason: 'prefix'; callingCode: string | undefined }
  | { reason: 'budget'; callingCode: string | undefined; window: SmsWindow; resumesAt: Date }
  | { reason: 'backoff'; callingCode: string | undefined; retryAfterSeconds: number };

export type SmsAdmission =
  | {
      ok: true;
      /** After the send: a delivered SMS lengthens the backoff, an undelivered one may be retried at once. */
      settle(delivered: boolean): Promise<void>;
    }
  | ({ ok: false } & SmsRefusal);

/** What a metric needs: each budget's use and whether it holds SMS back now. */
export interface SmsBudgetState {
  window: SmsWindow;
  sent: number;
  limit: number;
  open: boolean;
  resumesAt: Date;
}

/** For metrics and alerts (set by the composition root); never throws into a send. */
export type SmsGuardEvent =
  | ({ type: 'refused' } & SmsRefusal)
  | { type: 'budgetReached'; window: SmsWindow; limit: number; resumesAt: Date };

export interface SmsGuard {
  /**
   * Whether an SMS to `e164` could go now, counting nothing: the code pages offer the e-mail
   * code instead (or say "try later") when the circuit is open or the number's range is busy.
   */
  available(e164: string): Promise<{ ok: true } | { ok: false; reason: 'callingCode' | 'prefix' | 'budget' }>;
  /** Counts an SMS about to go to `e164`, or says why it may not go. */
  admit(e164: string): Promise<SmsAdmission>;
  budgets(): Promise<SmsBudgetState[]>;
}

export function createSmsGuard(deps: {
  limiter: RateLimiter;
  hmac: Hmac;
  clock: Clock;
  config: Config;
  logger: Logger;
  onEvent?: ((event: SmsGuardEvent) => void) | undefined;
}): SmsGuard {
  const { limiter, hmac, clock, logger } = deps;
  const rules = deps.config.smsGuard;
  const numberKey = (kind: string, subject: string) => `sms-${kind}:${hmac.digest('rate-limit', subject)}`;
  const limitOf = (window: SmsWindow) => (window === 'hour' ? rules.budgetPerHour : rules.budgetPerDay);
  const emit = (event: SmsGuardEvent) => {
    try {
      deps.onEvent?.(event);
    } catch (error) {
      logger.warn({ err: error }, 'SMS guard event listener failed');
    }
  };

  async function budgets(): Promise<SmsBudgetState[]> {
    return Promise.all(
      budgetWindows(clock.now()).map(async ({ window, key, endsAt }) => {
        const live = await limiter.peek(key);
        const sent = live?.count ?? 0;
        const limit = limitOf(window);
        return { window, sent, limit, open: sent >= limit, resumesAt: live?.resetAt ?? endsAt };
      }),
    );
  }

  const prefixBusy = async (e164: string) =>
    ((await limiter.peek(numberKey('prefix', smsPrefix(e164, rules.prefixDigits))))?.count ?? 0) >= rules.prefixPerHour;

  /** Counts one SMS against each budget; the request that uses up a budget says so, once per window. */
  async function spendBudget(): Promise<{ window: SmsWindow; resumesAt: Date } | undefined> {
    const windows = budgetWindows(clock.now());
    const hits = await Promise.all(
      windows.map(async (w) => ({
        ...w,
        hit: await limiter.hit(w.key, limitOf(w.window), secondsUntil(clock, w.endsAt)),
      })),
    );
    for (const { window, hit } of hits) {
      if (hit.count !== limitOf(window)) continue;
      logger.error(
        {
          window,
          limit: limitOf(window),
          setting: window === 'hour' ? 'SMS_BUDGET_PER_HOUR' : 'SMS_BUDGET_PER_DAY',
          resumesAt: hit.resetAt.toISOString(),
        },
        'SMS budget reached: no SMS are sent until the window ends; one-time passwords go by e-mail where possible',
      );
      emit({ type: 'budgetReached', window, limit: limitOf(window), resumesAt: hit.resetAt });
    }
    const over = hits.find(({ hit }) => !hit.allowed);
    return over && { window: over.window, resumesAt: over.hit.resetAt };
  }

  return {
    async available(e164) {
      if (!smsCallingCodeAllowed(e164, deps.config)) return { ok: false, reason: 'callingCode' };
      const [states, busy] = await Promise.all([budgets(), prefixBusy(e164)]);
      if (states.some((state) => state.open)) return { ok: false, reason: 'budget' };
      return busy ? { ok: false, reason: 'prefix' } : { ok: true };
    },

    async admit(e164) {
      const callingCode = callingCodeOf(e164);
      const refuse = (refusal: SmsRefusal): SmsAdmission => {
        emit({ type: 'refused', ...refusal });
        return { ok: false, ...refusal };
      };
      if (!smsCallingCodeAllowed(e164, deps.config)) return refuse({ reason: 'callingCode', callingCode });

      // The gate is the wait before the next SMS to this number; the streak counts SMS sent to it
      // since it was last quiet for backoff.quietSeconds, and sets how long the gate stays shut.
      const gateKey = numberKey('gate', e164);
      const streakKey = numberKey('streak', e164);
      const streak = (await limiter.peek(streakKey))?.count ?? 0;
      const gate = await limiter.hit(gateKey, 1, backoffSeconds(streak + 1, rules.backoff));
      if (!gate.allowed) {
        return refuse({ reason: 'backoff', callingCode, retryAfterSeconds: secondsUntil(clock, gate.resetAt) });
      }
      // Attempts count against the range even when refused: an attack keeps its range shut.
      const range = await limiter.hit(
        numberKey('prefix', smsPrefix(e164, rules.prefixDigits)),
        rules.prefixPerHour,
        3600,
      );
      if (!range.allowed) {
        await limiter.reset(gateKey);
        return refuse({ reason: 'prefix', callingCode });
      }
      const open = (await budgets()).find((state) => state.open);
      const over = open ?? (await spendBudget());
      if (over) {
        await limiter.reset(gateKey);
        return refuse({ reason: 'budget', callingCode, window: over.window, resumesAt: over.resumesAt });
      }
      return {
        ok: true,
        async settle(delivered) {
          if (!delivered) return limiter.reset(gateKey);
          await limiter.hit(streakKey, Number.MAX_SAFE_INTEGER, rules.backoff.quietSeconds);
          await limiter.holdUntil(streakKey, new Date(clock.now().getTime() + rules.backoff.quietSeconds * 1000));
        },
      };
    },

    budgets,
  };
}
