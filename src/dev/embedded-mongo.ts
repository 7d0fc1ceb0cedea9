import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { projectRoot } from '../paths.js';

/**
 * A MongoDB for development and tests when no MONGODB_URI is given: a real mongod through
 * mongodb-memory-server where its binary can be downloaded, otherwise the in-memory server of
 * de.bwaldvogel:mongo-java-server (Maven Central), started by our own launcher so that it reports
 * a wire version the MongoDB driver accepts. The Java server keeps nothing on disk.
 */
export interface EmbeddedMongo {
  uri: string;
  kind: 'mongod' | 'java-in-memory';
  persistent: boolean;
  stop(): Promise<void>;
}

const JAVA_DIR = join(projectRoot, 'scripts', 'mongo-java-server');
const JARS_DIR = join(JAVA_DIR, 'jars');

/** Fetches the Java server's jars from Maven Central once (they are not committed). */
export function ensureJavaServerJars(log: (line: string) => void = () => {}): void {
  if (existsSync(JARS_DIR) && readdirSync(JARS_DIR).some((f) => f.endsWith('.jar'))) return;
  log('Fetching the in-memory MongoDB-compatible server from Maven Central (first run only)...');
  const result = spawnSync(
    'mvn',
    [
      '-B',
      '-q',
      '-Dstyle.color=never',
      '-f',
      join(JAVA_DIR, 'pom.xml'),
      'dependency:copy-dependencies',
      `-DoutputDirectory=${JARS_DIR}`,
    ],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (result.error) throw new Error(`Cannot run Maven (mvn) to fetch the Java MongoDB server: ${result.error.message}`);
  if (result.status !== 0) throw new Error('Maven could not fetch the Java MongoDB server (see its output above)');
}

export async function startJavaMongo(log: (line: string) => void = () => {}): Promise<EmbeddedMongo> {
  ensureJavaServerJars(log);
  const child: ChildProcess = spawn(
    'java',
    ['-Xss1m', '-cp', join(JARS_DIR, '*'), join(JAVA_DIR, 'Launcher.java'), '0', '127.0.0.1'],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error('The Java MongoDB server did not start within 60 s')), 60_000);
    lines.on('line', (line) => {
      const match = /^READY (\d+)$/.exec(line.trim());
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`Cannot start java: ${error.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The Java MongoDB server exited with code ${code}`));
    });
  });
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    kind: 'java-in-memory',
    persistent: false,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin?.end(); // the launcher stops when its stdin closes
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
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
    persistent: Boolean(dbPath),
    stop: async () => {
      await server.stop({ doCleanup: !dbPath, force: false });
    },
  };
}

export async function startEmbeddedMongo(options: {
  dbPath?: string;
  log?: (line: string) => void;
}): Promise<EmbeddedMongo> {
  const log = options.log ?? (() => {});
  try {
    return await startMongod(options.dbPath);
  } catch (error) {
    log(`No mongod available (${(error as Error).message.split('\n')[0]}); using the Java in-memory server instead.`);
    return startJavaMongo(log);
  }
}
