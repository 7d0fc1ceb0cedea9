import { type Connection, type Model, Schema } from 'mongoose';

/**
 * Records that change rarely and are read on every request (client registrations, members for
 * their claims): each instance keeps them for a while, and every change anywhere bumps a
 * generation counter in the database that each instance looks at no more than once a second (one
 * read per second, not per request). A change is seen at once where it was made and everywhere
 * else within about a second. Cache ages are real time, not the injected clock: they are no rules.
 */
const CHECK_MS = 1000;

interface Generation {
  _id: string;
  n: number;
}
const schema = new Schema<Generation>(
  { _id: String, n: Number },
  { collection: 'cache_generations', versionKey: false },
);

export interface SharedCache {
  get<T>(key: string, load: () => Promise<T>): Promise<T>;
  /** Something changed: forgotten here at once, and everywhere within a second. */
  changed(): Promise<void>;
}

const caches = new WeakMap<Connection, Map<string, SharedCache>>();

/** The cache called `name` on this connection (one per process and connection). */
export function sharedCache(
  connection: Connection,
  name: string,
  options: { keepMs: number; maxEntries: number },
): SharedCache {
  let named = caches.get(connection);
  if (!named) {
    named = new Map();
    caches.set(connection, named);
  }
  const existing = named.get(name);
  if (existing) return existing;
  const cache = createSharedCache(connection, name, options);
  named.set(name, cache);
  return cache;
}

function createSharedCache(
  connection: Connection,
  name: string,
  options: { keepMs: number; maxEntries: number },
): SharedCache {
  const model: Model<Generation> =
    connection.models.CacheGeneration ?? connection.model<Generation>('CacheGeneration', schema);
  const entries = new Map<string, { value: Promise<unknown>; at: number }>();
  let generation: number | undefined;
  let checkedAt = Number.NEGATIVE_INFINITY;
  let checking: Promise<void> | undefined;

  async function check(): Promise<void> {
    if (performance.now() - checkedAt < CHECK_MS) return;
    checking ??= (async () => {
      const doc = await model.findById(name).lean<Generation>();
      const current = doc?.n ?? 0;
      if (current !== generation) entries.clear();
      generation = current;
      checkedAt = performance.now();
    })().finally(() => {
      checking = undefined;
    });
    await checking;
  }

  return {
    async get(key, load) {
      await check();
      const now = performance.now();
      const hit = entries.get(key);
      if (hit && now - hit.at < options.keepMs) return hit.value as Promise<Awaited<ReturnType<typeof load>>>;
      // Oldest first out when full (Map keeps insertion order).
      if (entries.size >= options.maxEntries) entries.delete(entries.keys().next().value!);
      const value = load();
      entries.set(key, { value, at: now });
      value.catch(() => entries.delete(key));
      return value;
    },
    async changed() {
      entries.clear();
      const doc = await model
        .findOneAndUpdate({ _id: name }, { $inc: { n: 1 } }, { upsert: true, returnDocument: 'after' })
        .lean<Generation>();
      generation = doc?.n;
      checkedAt = performance.now();
    },
  };
}
