/** MongoDB's duplicate key error (E11000): a unique index refused the write. */
export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

/**
 * The field a duplicate key error is about: from keyPattern where the server gives it, else from
 * the index name in the message (the in-memory test server gives no keyPattern).
 */
export function duplicateKeyField(error: unknown): string | undefined {
  const pattern = (error as { keyPattern?: Record<string, unknown> }).keyPattern;
  if (pattern) return Object.keys(pattern)[0];
  return /index: (\w+)_1\b/.exec((error as Error).message ?? '')?.[1];
}

/**
 * Errors that mean "the database cannot be reached right now", not "this request is wrong".
 * Recognised by name and code rather than instanceof: mongoose carries its own copy of the
 * driver, and oidc-provider or our code may wrap the error (cause).
 */
const UNAVAILABLE_NAMES = new Set([
  'DatabaseUnavailableError',
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoPoolClearedError',
  'MongoWaitQueueTimeoutError',
  'MongoOperationTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoClientClosedError',
]);

/** Server replies during a failover or shutdown (HostUnreachable … NotPrimaryOrSecondary). */
const UNAVAILABLE_CODES = new Set([6, 7, 89, 91, 189, 9001, 10107, 11600, 11602, 13435, 13436]);

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; depth += 1) {
    const { name, code, message } = current as { name?: unknown; code?: unknown; message?: unknown };
    if (typeof name === 'string' && UNAVAILABLE_NAMES.has(name)) return true;
    if (typeof name === 'string' && name.startsWith('Mongo') && typeof code === 'number' && UNAVAILABLE_CODES.has(code))
      return true;
    // mongoose's own wait for a connection (only when command buffering is on).
    if (
      name === 'MongooseError' &&
      typeof message === 'string' &&
      /buffering timed out|before initial connection/.test(message)
    )
      return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Thrown by our own code that refuses to wait for a database it already knows to be unreachable. */
export class DatabaseUnavailableError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'DatabaseUnavailableError';
  }
}
