import type { MessageKey } from './i18n/index.js';

/**
 * The one error type our code throws on purpose. `key` is a message key shown to the member
 * (translated); `detail` is for the log only. `oauthError` is the OAuth error code an API
 * answers with.
 */
export class AppError extends Error {
  readonly status: number;
  readonly key: MessageKey;
  readonly params: Record<string, string | number> | undefined;
  readonly oauthError: string;
  readonly detail: string | undefined;

  constructor(
    key: MessageKey,
    options: { status?: number; params?: Record<string, string | number>; oauthError?: string; detail?: string } = {},
  ) {
    super(options.detail ?? key);
    this.name = 'AppError';
    this.key = key;
    this.status = options.status ?? 400;
    this.params = options.params;
    this.oauthError = options.oauthError ?? (this.status >= 500 ? 'server_error' : 'invalid_request');
    this.detail = options.detail;
  }
}

export function assert(
  condition: unknown,
  key: MessageKey,
  options?: ConstructorParameters<typeof AppError>[1],
): asserts condition {
  if (!condition) throw new AppError(key, options);
}

/**
 * A value a person or a program gave us that cannot be accepted, naming the field: the one error
 * for input problems of commands, the admin API and the libraries behind them (members, admins,
 * clients). `problem` is English, for an operator or a developer; member-facing pages use
 * AppError's message keys instead.
 */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
    readonly status: 400 | 404 | 409 = 400,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'FieldError';
  }
}

/**
 * This instance has more of some work in hand than it can take on now (`what` says which, for the
 * log): answered like a database outage, "temporarily unavailable, try again" with Retry-After,
 * never blamed on the member or the relying app.
 */
export class BusyError extends Error {
  constructor(readonly what: string) {
    super(`too busy: ${what}`);
    this.name = 'BusyError';
  }
}
