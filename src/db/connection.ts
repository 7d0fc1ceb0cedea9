import mongoose, { type Connection } from 'mongoose';

/**
 * One mongoose connection per app (not the global default), so a test can build two apps on one
 * database, or several apps on several databases, in one process.
 */
const DEFAULT_DB_NAME = 'jmb_idp';

/** The database named in the URI's path, if any (mongodb://host1,host2/name?options). */
function databaseInUri(uri: string): string | undefined {
  return /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(uri)?.[1];
}

export async function connectDatabase(uri: string, options: { dbName?: string | undefined } = {}): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    dbName: options.dbName ?? (databaseInUri(uri) ? undefined : DEFAULT_DB_NAME),
    serverSelectionTimeoutMS: 10_000,
    // Indexes are created once at start-up (ensureIndexes), not lazily behind the first query.
    autoIndex: false,
    // Command events for the metrics (observeCommands).
    monitorCommands: true,
  });
  await connection.asPromise();
  return connection;
}

export async function isDatabaseReachable(connection: Connection): Promise<boolean> {
  try {
    if (connection.readyState !== 1 || !connection.db) return false;
    await connection.db.admin().command({ ping: 1 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Each command's name, outcome and duration, for the metrics. Names only: collection names and
 * arguments stay out of the labels.
 */
export function observeCommands(
  connection: Connection,
  record: (command: string, outcome: 'success' | 'failure', seconds: number) => void,
): void {
  const client = connection.getClient();
  client.on('commandSucceeded', (event) => record(event.commandName, 'success', event.duration / 1000));
  client.on('commandFailed', (event) => record(event.commandName, 'failure', event.duration / 1000));
}
