import mongoose, {
  type Aggregate,
  type Connection,
  type Document,
  type Model,
  type MongooseQueryMiddleware,
  type Query,
} from 'mongoose';

/**
 * One mongoose connection per app (not the global default), so a test can build two apps on one
 * database, or several apps on several databases, in one process.
 */
const DEFAULT_DB_NAME = 'jmb_idp';

/**
 * How long anything may wait for the database. An unreachable or stalled database must answer a
 * member within seconds (a 503 page), never hang a sign-in for as long as the outage lasts.
 *
 * A stalled server is found by its monitor (one check every heartbeat, each allowed the connect
 * timeout): then the pool is cleared, every command on it fails at once, and the driver's one retry
 * of a read or write waits for server selection before giving up. Worst case, a command sent as the
 * server stalls fails after heartbeat + connect + server selection = 5 s; the socket timeout is only
 * the last resort behind the monitor.
 */
export const DATABASE_TIMEOUTS = {
  /** Finding a server to talk to (the whole wait while the database is down, and a retry's). */
  serverSelectionTimeoutMS: 2_000,
  /** Opening a connection, and each monitoring check's reply. */
  connectTimeoutMS: 2_000,
  /** Silence on an open connection: a paused or wedged server. Our queries are all small. */
  socketTimeoutMS: 4_000,
  /** Waiting for a free pooled connection when every one is busy. */
  waitQueueTimeoutMS: 2_000,
  /** How soon a stalled server is noticed (and the pool cleared) without any request failing. */
  heartbeatFrequencyMS: 1_000,
} as const;

/** The readiness probe's own bound: a load balancer needs its answer within about a second. */
const PING_TIMEOUT_MS = 800;

/** The database named in the URI's path, if any (mongodb://host1,host2/name?options). */
function databaseInUri(uri: string): string | undefined {
  return /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(uri)?.[1];
}

export async function connectDatabase(uri: string, options: { dbName?: string | undefined } = {}): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    dbName: options.dbName ?? (databaseInUri(uri) ? undefined : DEFAULT_DB_NAME),
    ...DATABASE_TIMEOUTS,
    // Without this, mongoose queues every query while disconnected and lets it wait 10 s for a
    // reconnection; the driver's own bounds above are the ones we want.
    bufferCommands: false,
    // Indexes are created once at start-up (ensureIndexes), not lazily behind the first query.
    autoIndex: false,
  });
  await connection.asPromise();
  return connection;
}

/**
 * A ping bounded by its own timer: behind a paused server the ping itself would wait for the
 * socket timeout, and a readiness probe must answer first.
 */
export async function isDatabaseReachable(connection: Connection): Promise<boolean> {
  if (connection.readyState !== 1 || !connection.db) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
  });
  const ping = connection.db
    .admin()
    .command({ ping: 1 })
    .then(
      () => true,
      () => false,
    );
  try {
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

type CommandRecorder = (command: string, outcome: 'success' | 'failure', seconds: number) => void;

/** Each app's metrics recorder, by its connection (several apps in one process each have theirs). */
const recorders = new WeakMap<Connection, CommandRecorder>();
/** When a query, save or aggregation started, and the command it sends: kept on the operation. */
const PENDING = Symbol('pending database operation');
type Timed = { [PENDING]?: { command: string; started: number } | undefined };

/** The MongoDB command each mongoose query operation sends. */
const QUERY_COMMANDS: Record<string, string> = {
  find: 'find',
  findOne: 'find',
  countDocuments: 'aggregate',
  estimatedDocumentCount: 'count',
  distinct: 'distinct',
  updateOne: 'update',
  updateMany: 'update',
  replaceOne: 'update',
  deleteOne: 'delete',
  deleteMany: 'delete',
  findOneAndUpdate: 'findAndModify',
  findOneAndDelete: 'findAndModify',
  findOneAndReplace: 'findAndModify',
};
const QUERIES = Object.keys(QUERY_COMMANDS) as MongooseQueryMiddleware[];

function begin(operation: object, command: string | undefined): void {
  if (command) (operation as Timed)[PENDING] = { command, started: performance.now() };
}

/** One operation's duration, from `started` (performance.now()) until now, to the connection's recorder. */
function recordSince(
  connection: Connection | undefined,
  command: string,
  outcome: 'success' | 'failure',
  started: number,
): void {
  const record = connection && recorders.get(connection);
  record?.(command, outcome, (performance.now() - started) / 1000);
}

function end(operation: object, connection: Connection | undefined, outcome: 'success' | 'failure'): void {
  const pending = (operation as Timed)[PENDING];
  if (!pending) return;
  (operation as Timed)[PENDING] = undefined;
  recordSince(connection, pending.command, outcome, pending.started);
}

type Operation = Query<unknown, unknown> | Document | Aggregate<unknown>;

/**
 * Every model's queries, saves and aggregations are timed from the call to the answer (a pooled
 * connection's wait and the driver's retry included) and labelled with the command they send.
 * Mongoose hooks rather than the driver's command monitoring: with monitoring on, the driver
 * decodes every reply a second time in full and builds two event objects per command, which cost
 * the token endpoints about a tenth of a millisecond per request.
 */
mongoose.plugin((schema) => {
  const timed = <T extends Operation>(
    hooks: MongooseQueryMiddleware[] | 'save' | 'aggregate',
    commandOf: (operation: T) => string | undefined,
    connectionOf: (operation: T) => Connection | undefined,
  ) => {
    schema.pre(hooks as never, function (this: T) {
      begin(this, commandOf(this));
    });
    schema.post(hooks as never, function (this: T) {
      end(this, connectionOf(this), 'success');
    });
    schema.post(hooks as never, { errorHandler: true } as never, function (this: T) {
      end(this, connectionOf(this), 'failure');
    });
  };
  timed<Query<unknown, unknown>>(
    QUERIES,
    (query) => QUERY_COMMANDS[(query as { op?: string }).op ?? ''],
    (query) => query.model?.db,
  );
  timed<Document>(
    'save',
    (document) => (document.isNew ? 'insert' : 'update'),
    (document) => (document.constructor as Model<unknown>).db,
  );
  timed<Aggregate<unknown>>(
    'aggregate',
    () => 'aggregate',
    (aggregate) => aggregate.model()?.db,
  );
});

/**
 * The same measure for an operation sent through the driver itself (`connection.db`), where no
 * mongoose hook runs: the provider's records, opaque JSON that mongoose's casting adds nothing to.
 */
export async function timedCommand<T>(connection: Connection, command: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  let outcome: 'success' | 'failure' = 'failure';
  try {
    const result = await work();
    outcome = 'success';
    return result;
  } finally {
    recordSince(connection, command, outcome, started);
  }
}

/**
 * Each database operation's command, outcome and duration, for the metrics. Command names only:
 * collection names and arguments stay out of the labels.
 */
export function observeCommands(connection: Connection, record: CommandRecorder): void {
  recorders.set(connection, record);
}
