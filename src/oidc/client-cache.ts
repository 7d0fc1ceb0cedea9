import { type Connection, type Model, Schema } from 'mongoose';

/**
 * Client registrations change rarely and are read on every protocol request: each instance keeps
 * them for a while, and every change anywhere bumps a generation counter in the database that each
 * instance looks at no more than once a second (one read per second, not per request). A change
 * is seen everywhere within about a second.
 */
const CHECK_MS = 1000;
const KEEP_MS = 60_000;

interface Generation {
  _id: string;
  n: number;
}
const schema = new Schema<Generation>(
  { _id: String, n: Number },
  { collection: 'cache_generations', versionKey: false },
);

export interface ClientCache {
  get<T>(id: string, load: () => Promise<T>): Promise<T>;
  /** A registration changed (here or, through the generation, anywhere). */
  changed(): Promise<void>;
}

/** Cache ages are real time (performance.now), not the injected clock: they are not rules. */
export function createClientCache(connection: Connection): ClientCache {
  const model: Model<Generation> =
    connection.models.CacheGeneration ?? connection.model<Generation>('CacheGeneration', schema);
  const entries = new Map<string, { value: Promise<unknown>; at: number }>();
  let generation: number | undefined;
  let checkedAt = -Infinity;
  let checking: Promise<void> | undefined;

  async function check(): Promise<void> {
    const now = performance.now();
    if (now - checkedAt < CHECK_MS) return;
    checking ??= (async () => {
      const doc = await model.findById('clients').lean<Generation>();
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
    async get(id, load) {
      await check();
      const now = performance.now();
      const hit = entries.get(id);
      if (hit && now - hit.at < KEEP_MS) return hit.value as Promise<Awaited<ReturnType<typeof load>>>;
      const value = load();
      entries.set(id, { value, at: now });
      value.catch(() => entries.delete(id));
      return value;
    },
    async changed() {
      entries.clear();
      const doc = await model
        .findOneAndUpdate({ _id: 'clients' }, { $inc: { n: 1 } }, { upsert: true, returnDocument: 'after' })
        .lean<Generation>();
      generation = doc?.n;
      checkedAt = performance.now();
    },
  };
}
