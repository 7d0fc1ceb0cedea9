import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Reads remembered for the length of one request: a sign-in step asks for the interaction, the
 * client and the member, then oidc-provider asks for them again; within one request the answer
 * cannot have changed except by the request itself, which updates or forgets what it wrote.
 * Nothing outlives the request, so no instance ever serves another's stale data.
 */
const storage = new AsyncLocalStorage<Map<string, Promise<unknown>>>();

/** Runs `work` with a fresh cache (the app does this once per request). */
export function withRequestCache<T>(work: () => Promise<T>): Promise<T> {
  return storage.run(new Map(), work);
}

/** `load()` once per request for `key` (outside a request: every time). */
export function remembered<T>(key: string, load: () => Promise<T>): Promise<T> {
  const cache = storage.getStore();
  if (!cache) return load();
  const hit = cache.get(key) as Promise<T> | undefined;
  if (hit) return hit;
  const loading = load();
  cache.set(key, loading);
  // A failed read is not remembered.
  loading.catch(() => cache.delete(key));
  return loading;
}

/** What the request itself changed: the next read loads it again (a key, or every key under a prefix ending in ':'). */
export function forget(key: string): void {
  const cache = storage.getStore();
  if (!cache) return;
  if (!key.endsWith(':')) {
    cache.delete(key);
    return;
  }
  for (const known of cache.keys()) if (known.startsWith(key)) cache.delete(known);
}
