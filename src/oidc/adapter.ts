import { type Connection, type Model, type mongo, Schema } from 'mongoose';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Clock } from '../clock.js';
import { timedCommand } from '../db/connection.js';
import { DatabaseUnavailableError } from '../db/errors.js';
import { forget, remembered } from '../db/request-cache.js';
import type { SharedCache } from '../db/shared-cache.js';
import { mayBeIdOf } from './token-ids.js';

/**
 * oidc-provider's storage in MongoDB: one collection per provider model (oidc_session,
 * oidc_access_token, …). Ids are the provider's own random strings. Every read checks expiry
 * itself; the TTL index is housekeeping that may lag by a minute (and some servers ignore it).
 */
export const OIDC_MODELS = [
  'Session',
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'ClientCredentials',
  'Client',
  'InitialAccessToken',
  'RegistrationAccessToken',
  'Interaction',
  'ReplayDetection',
  'PushedAuthorizationRequest',
  'Grant',
  'BackchannelAuthenticationRequest',
] as const;

/** Models whose records belong to a grant and are revoked with it. */
export const GRANTABLE_MODELS = [
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
] as const;
const GRANTABLE = new Set<string>(GRANTABLE_MODELS);

interface Stored {
  _id: string;
  payload: AdapterPayload;
  expiresAt?: Date;
  /** Sessions: what the security centre shows of them (sign-ins.ts). */
  signIn?: Record<string, unknown>;
}

const collectionName = (name: string) => `oidc_${name.replace(/(?<!^)([A-Z])/g, '_$1').toLowerCase()}`;

function modelFor(connection: Connection, name: string): Model<Stored> {
  const modelName = `Oidc${name}`;
  if (connection.models[modelName]) return connection.models[modelName] as Model<Stored>;
  const schema = new Schema<Stored>(
    {
      _id: { type: String, required: true },
      payload: { type: Schema.Types.Mixed, required: true },
      expiresAt: { type: Date },
      ...(name === 'Session' ? { signIn: { type: Schema.Types.Mixed } } : {}),
    },
    { collection: collectionName(name), versionKey: false, minimize: false },
  );
  schema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
  if (GRANTABLE.has(name) || name === 'Grant') schema.index({ 'payload.grantId': 1 });
  if (GRANTABLE.has(name) || name === 'Grant' || name === 'ClientCredentials') schema.index({ 'payload.clientId': 1 });
  if (GRANTABLE.has(name)) schema.index({ 'payload.accountId': 1 });
  if (name === 'Session') schema.index({ 'payload.uid': 1 }, { unique: true });
  if (name === 'DeviceCode') schema.index({ 'payload.userCode': 1 }, { unique: true, sparse: true });
  if (name === 'Session' || name === 'Grant') schema.index({ 'payload.accountId': 1 });
  return connection.model<Stored>(modelName, schema);
}

export async function ensureOidcIndexes(connection: Connection): Promise<void> {
  for (const name of OIDC_MODELS) await modelFor(connection, name).createIndexes();
}

export function oidcModel(connection: Connection, name: (typeof OIDC_MODELS)[number]): Model<Stored> {
  return modelFor(connection, name);
}

/**
 * A copy of a payload as read from the database (objects, arrays, strings, numbers, booleans,
 * null, dates): a fifth of the time of a JSON round trip, which every remembered read paid.
 */
function copyOf<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyOf) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  const copy: Record<string, unknown> = {};
  for (const key in value) {
    const item = copyOf((value as Record<string, unknown>)[key]);
    // A key named __proto__ stays a key, as JSON.parse keeps it, instead of setting the prototype.
    if (key === '__proto__')
      Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
    else copy[key] = item;
  }
  return copy as T;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * While the driver already knows the database to be unreachable (mongoose's readyState follows
 * its monitoring), storage calls fail at once instead of each waiting for server selection:
 * oidc-provider looks the client up a second time after any failure at /auth, which would
 * otherwise double a member's wait for the 503 page.
 */
function failFastWhileDown<T extends object>(connection: Connection, adapter: T): T {
  const guarded = {} as Record<string, unknown>;
  for (const [method, call] of Object.entries(adapter) as Array<[string, (...args: unknown[]) => Promise<unknown>]>) {
    guarded[method] = (...args: unknown[]) => {
      if (connection.readyState !== 1)
        return Promise.reject(new DatabaseUnavailableError(`database not connected (oidc ${method})`));
      return call(...args);
    };
  }
  return guarded as T;
}

/**
 * `beforeSave` may rewrite a payload on its way in (e.g. hashing client secrets). Reads are
 * remembered for the request (db/request-cache.ts), clients for longer (db/shared-cache.ts); every
 * write forgets what it changed. A remembered read gives a copy, so the provider's changes to a
 * model it has not saved yet never show through a later read. Tokens and codes, each read once
 * by the request that presents it, are neither remembered nor copied.
 */
const REMEMBERED = new Set<string>(['Client', 'Interaction', 'Session', 'Grant']);

export function createAdapterFactory(
  connection: Connection,
  clock: Clock,
  options: {
    beforeSave?: (name: string, payload: AdapterPayload) => AdapterPayload;
    /** Fields of ours saved beside the payload, by the same write. */
    alsoSave?: (name: string, payload: AdapterPayload) => Record<string, unknown>;
    clients?: SharedCache | undefined;
  } = {},
): (name: string) => Adapter {
  const beforeSave = options.beforeSave ?? ((_name, payload) => payload);
  return (name: string): Adapter => {
    const model = modelFor(connection, name);
    const records = driverRecords(connection, model);
    const key = (id: string) => `oidc:${name}:${id}`;
    const remembers = REMEMBERED.has(name);
    const cached = name === 'Client' && options.clients;
    // Payloads are JSON (the provider's own). One remembered for the request is handed out as a
    // copy, so that nothing shared is ever mutated; a client's, shared by every request of the
    // instance, is frozen instead (oidc-provider builds its Client from it and never writes to it).
    const copies = remembers && !cached;
    const live = (doc: Stored | null): AdapterPayload | undefined => {
      if (!doc) return undefined;
      if (doc.expiresAt && doc.expiresAt.getTime() <= clock.now().getTime()) return undefined;
      return copies ? copyOf(doc.payload) : doc.payload;
    };
    const read = cached
      ? (id: string) => async () => deepFreeze(await records.findOne({ _id: id }))
      : (id: string) => () => records.findOne({ _id: id });
    const recall = (cacheKey: string, load: () => Promise<Stored | null>) =>
      remembers ? remembered(cacheKey, load) : load();
    const changed = async (id: string, uid?: unknown) => {
      forget(key(id));
      if (typeof uid === 'string') forget(key(`uid:${uid}`));
      if (cached) await cached.changed();
    };
    return failFastWhileDown<Adapter>(connection, {
      async upsert(id, payload, expiresIn) {
        idOnly(id);
        const update: Partial<Stored> & Record<string, unknown> = {
          ...options.alsoSave?.(name, payload),
          payload: beforeSave(name, payload),
        };
        if (expiresIn) update.expiresAt = new Date(clock.now().getTime() + expiresIn * 1000);
        await records.updateOne(
          { _id: id },
          expiresIn ? { $set: update } : { $set: update, $unset: { expiresAt: 1 } },
          true,
        );
        await changed(id, payload.uid);
      },
      async find(id) {
        // A value of another kind (token-ids.ts) is not looked for.
        if (typeof id !== 'string' || !mayBeIdOf(name, id)) return undefined;
        const payload = live(await (cached ? cached.get(id, read(id)) : recall(key(id), read(id))));
        // A disabled relying app does not exist as far as the protocol is concerned.
        if (name === 'Client' && payload?.disabled === true) return undefined;
        return payload;
      },
      async findByUid(uid) {
        if (typeof uid !== 'string') return undefined;
        return live(await recall(key(`uid:${uid}`), () => records.findOne({ 'payload.uid': uid })));
      },
      async findByUserCode(userCode) {
        if (typeof userCode !== 'string') return undefined;
        return live(await records.findOne({ 'payload.userCode': userCode }));
      },
      async consume(id) {
        idOnly(id);
        await records.updateOne(
          { _id: id },
          { $set: { 'payload.consumed': Math.floor(clock.now().getTime() / 1000) } },
        );
        await changed(id);
      },
      async destroy(id) {
        idOnly(id);
        await records.deleteOne({ _id: id });
        forget(`oidc:${name}:uid:`);
        await changed(id);
      },
      async revokeByGrantId(grantId) {
        idOnly(grantId);
        await records.deleteMany({ 'payload.grantId': grantId });
        forget(`oidc:${name}:`);
      },
    });
  };
}

/**
 * A write is only ever about one record, named by a string: anything else (undefined, an object)
 * would match far more than one (`{}`, or an operator) and is refused before it reaches the
 * database.
 */
function idOnly(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0) throw new TypeError('oidc adapter: the id must be a non-empty string');
}

/**
 * The provider's own reads and writes, straight through the driver of the mongoose connection:
 * its records are opaque JSON, which mongoose's query building and casting only copy, at about
 * 20 µs of CPU per operation (a token request makes two to four). Timed for the metrics like
 * every mongoose operation. Undefined fields, nested ones included, are left out rather than
 * stored as null: readers treat a missing field and null alike.
 */
function driverRecords(connection: Connection, model: Model<Stored>) {
  let collection: mongo.Collection<Stored> | undefined;
  const records = () => {
    if (!collection) {
      if (!connection.db) throw new DatabaseUnavailableError('database not connected');
      collection = connection.db.collection<Stored>(model.collection.collectionName);
    }
    return collection;
  };
  return {
    findOne: (filter: mongo.Filter<Stored>) => timedCommand(connection, 'find', () => records().findOne(filter)),
    updateOne: (filter: mongo.Filter<Stored>, update: mongo.UpdateFilter<Stored>, upsert = false) =>
      timedCommand(connection, 'update', () => records().updateOne(filter, update, { upsert, ignoreUndefined: true })),
    // deleteOne for one record: the driver retries it once across a failover, deleteMany never.
    deleteOne: (filter: mongo.Filter<Stored>) => timedCommand(connection, 'delete', () => records().deleteOne(filter)),
    deleteMany: (filter: mongo.Filter<Stored>) =>
      timedCommand(connection, 'delete', () => records().deleteMany(filter)),
  };
}
