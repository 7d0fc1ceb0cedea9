/** Every expiry goes through a clock so tests move time instead of sleeping. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Whole seconds from now until `at`, at least 1: what a "please wait N seconds" says. */
export function secondsUntil(clock: Clock, at: Date): number {
  return Math.max(1, Math.ceil((at.getTime() - clock.now().getTime()) / 1000));
}

/**
 * A clock for tests. Frozen by default, so an expiry can be tested to the millisecond; with
 * `running: true` it follows real time plus whatever it was advanced by, for tests that also
 * exercise oidc-provider, which keeps its own time.
 */
export class ManualClock implements Clock {
  #base: number;
  #offset = 0;
  readonly #running: boolean;

  constructor(options: { start?: Date; running?: boolean } = {}) {
    this.#running = options.running ?? false;
    this.#base = (options.start ?? new Date()).getTime() - (this.#running ? Date.now() : 0);
  }

  now(): Date {
    return new Date(this.#base + this.#offset + (this.#running ? Date.now() : 0));
  }

  advance(ms: number): void {
    this.#offset += ms;
  }

  advanceSeconds(seconds: number): void {
    this.advance(seconds * 1000);
  }
}
