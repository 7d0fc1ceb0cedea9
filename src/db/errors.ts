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
