import { randomInt } from 'node:crypto';

/**
 * Pads a failed attempt to at least `minMs` (plus a little jitter), so that an unknown
 * membership number, a wrong password and a locked-out number all take the same time.
 */
export async function padResponse(startedAt: number, minMs: number): Promise<void> {
  const remaining = minMs - (performance.now() - startedAt) + randomInt(0, 25);
  if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
}
