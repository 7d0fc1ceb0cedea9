import mongoose, { type Connection } from 'mongoose';

/**
 * One mongoose connection per app (not the global default), so a test can build two apps on one
 * database, or several apps on several databases, in one process.
 */
export async function connectDatabase(uri: string, options: { dbName?: string } = {}): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    dbName: options.dbName,
    serverSelectionTimeoutMS: 10_000,
    // Indexes are created once at start-up (ensureIndexes), not lazily behind the first query.
    autoIndex: false,
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
