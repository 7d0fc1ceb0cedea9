import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startJavaMongo } from './java-mongo.js';

/**
 * A MongoDB for development and tests when no MONGODB_URI is given: a real mongod through
 * mongodb-memory-server where its binary can be had, otherwise the MongoDB-compatible Java server
 * (java-mongo.ts). With a data directory (npm start) the data is kept: mongod in `mongo/`, the Java
 * server in one H2 file under `mongo-java/`. Without one (tests) nothing is kept.
 *
 * EMBEDDED_MONGO=auto keeps using the store a data directory already holds, so mongod is tried
 * (a download that can take seconds to fail) only for a new data directory, and data never moves
 * silently from one store to another when mongod comes or goes.
 */
export type EmbeddedEngine = 'auto' | 'mongod' | 'java';

export interface EmbeddedMongo {
  uri: string;
  kind: 'mongod' | 'java-h2' | 'java-in-memory';
  /** The folder that holds the data; undefined when nothing is kept. */
  dataPath: string | undefined;
  stop(): Promise<void>;
}

export interface EmbeddedMongoOptions {
  dataDir?: string | undefined;
  engine?: EmbeddedEngine | undefined;
  log?: (line: string) => void;
}

/** mongod through mongodb-memory-server (a development dependency), if its binary can be had. */
async function startMongod(dbPath: string | undefined): Promise<EmbeddedMongo> {
  const { MongoBinary, MongoMemoryServer } = await import('mongodb-memory-server-core');
  // Resolve (download) the binary first: a failure here is quiet, unlike a failed create().
  const systemBinary = await MongoBinary.getPath();
  if (dbPath) mkdirSync(dbPath, { recursive: true });
  const server = await MongoMemoryServer.create({
    binary: { systemBinary },
    instance: dbPath ? { dbPath, storageEngine: 'wiredTiger' } : {},
  });
  return {
    uri: server.getUri(),
    kind: 'mongod',
    dataPath: dbPath,
    stop: async () => {
      await server.stop({ doCleanup: !dbPath, force: false });
    },
  };
}

async function startJava(dataPath: string | undefined, log: (line: string) => void): Promise<EmbeddedMongo> {
  const server = await startJavaMongo({ store: dataPath && join(dataPath, 'store.mv'), log });
  return { ...server, kind: dataPath ? 'java-h2' : 'java-in-memory', dataPath };
}

function firstLine(error: unknown): string {
  return (error as Error).message.split('\n')[0]!;
}

export async function startEmbeddedMongo(options: EmbeddedMongoOptions): Promise<EmbeddedMongo> {
  const log = options.log ?? (() => {});
  const engine = options.engine ?? 'auto';
  const mongodPath = options.dataDir && join(options.dataDir, 'mongo');
  const javaPath = options.dataDir && join(options.dataDir, 'mongo-java');
  const hasMongodStore = Boolean(mongodPath && existsSync(join(mongodPath, 'WiredTiger')));
  const hasJavaStore = Boolean(javaPath && existsSync(join(javaPath, 'store.mv')));

  if (engine === 'java' || (engine === 'auto' && hasJavaStore && !hasMongodStore)) {
    if (hasMongodStore)
      log(`Using the Java server as EMBEDDED_MONGO asks: the mongod data in ${mongodPath} is not used.`);
    return startJava(javaPath, log);
  }
  if (engine === 'mongod' || hasMongodStore) {
    if (hasJavaStore) log(`Using mongod: the Java server's data in ${javaPath} is not used.`);
    try {
      return await startMongod(mongodPath);
    } catch (error) {
      const hint = hasMongodStore
        ? ` ${mongodPath} holds this data directory's database: make mongod available again, or set EMBEDDED_MONGO=java to use the Java server and its own, separate data.`
        : '';
      throw new Error(`mongod cannot start (${firstLine(error)}).${hint}`);
    }
  }
  try {
    return await startMongod(mongodPath);
  } catch (error) {
    log(`No mongod available (${firstLine(error)}); using the MongoDB-compatible Java server instead.`);
    return startJava(javaPath, log);
  }
}

/** What npm start says about the embedded database: where the data is and how to start afresh. */
export function describeEmbeddedMongo(mongo: EmbeddedMongo): string {
  switch (mongo.kind) {
    case 'mongod':
      return `Embedded MongoDB (mongod) keeps its data in ${mongo.dataPath}; to start afresh, stop the server and delete that folder.`;
    case 'java-h2':
      return `Embedded MongoDB-compatible Java server (H2 backend) keeps its data in ${mongo.dataPath}; to start afresh, stop the server and delete that folder.`;
    case 'java-in-memory':
      return 'Embedded in-memory MongoDB-compatible server: NOTHING IS KEPT when this process stops.';
  }
}
