import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { projectRoot } from '../paths.js';

/**
 * de.bwaldvogel:mongo-java-server (Maven Central) through our own launcher, which reports a wire
 * version the MongoDB driver accepts (scripts/mongo-java-server/README.md): in memory, or with its
 * H2 backend in one MVStore file when `store` is given.
 */
const JAVA_DIR = join(projectRoot, 'scripts', 'mongo-java-server');
const JARS_DIR = join(JAVA_DIR, 'jars');
const CLASSES_DIR = join(JAVA_DIR, 'classes');
/** A jars/ folder fetched before the H2 backend joined the POM lacks it: fetch again. */
const NEEDED_JARS = ['mongo-java-server-memory-backend-', 'mongo-java-server-h2-backend-', 'h2-'];

export interface JavaMongo {
  uri: string;
  /** The server's process, for tests that pause it (SIGSTOP/SIGCONT). */
  pid: number | undefined;
  stop(): Promise<void>;
}

/** Fetches the Java server's jars from Maven Central once (they are not committed). */
export function ensureJavaServerJars(log: (line: string) => void = () => {}): void {
  const present = existsSync(JARS_DIR) ? readdirSync(JARS_DIR) : [];
  if (NEEDED_JARS.every((prefix) => present.some((f) => f.startsWith(prefix) && f.endsWith('.jar')))) return;
  log('Fetching the MongoDB-compatible Java server from Maven Central (first run only)...');
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

/**
 * Compiles the launcher once per version of its source. Run as a single source file, java
 * compiles it at every start, which took 3-5 s of a busy 2-core machine's start-up; compiled, the
 * server is ready in about a second. Compiled beside and renamed into place, so that two starts at
 * once (npm start and npm test) never load a half-written class.
 */
function compiledLauncher(): string {
  const source = join(JAVA_DIR, 'Launcher.java');
  const version = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 16);
  const target = join(CLASSES_DIR, version);
  if (existsSync(join(target, 'Launcher.class'))) return target;
  mkdirSync(CLASSES_DIR, { recursive: true });
  const scratch = mkdtempSync(join(CLASSES_DIR, 'tmp-'));
  const result = spawnSync('javac', ['-nowarn', '-cp', join(JARS_DIR, '*'), '-d', scratch, source], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.error || result.status !== 0) {
    rmSync(scratch, { recursive: true, force: true });
    throw new Error(
      `Cannot compile ${source} (needs a JDK 11+ with javac)${result.error ? `: ${result.error.message}` : ''}`,
    );
  }
  try {
    renameSync(scratch, target);
  } catch {
    rmSync(scratch, { recursive: true, force: true }); // another start compiled it first
  }
  return target;
}

/** `port` 0 (the default) takes any free port; a fixed one lets a test restart "the same" server. */
export async function startJavaMongo(
  options: { store?: string | undefined; log?: (line: string) => void; port?: number } = {},
): Promise<JavaMongo> {
  ensureJavaServerJars(options.log);
  const classes = compiledLauncher();
  // A developer's database wants a quick start more than peak speed (C1 only halves the JVM's
  // start-up here); the tests' server runs for a minute of load and keeps the optimising compiler.
  const jvm = options.store ? ['-XX:TieredStopAtLevel=1', '-Xss1m'] : ['-Xss1m'];
  const storeArgs = options.store ? ['--store', options.store] : [];
  const child = spawn(
    'java',
    [
      ...jvm,
      '-cp',
      [join(JARS_DIR, '*'), classes].join(delimiter),
      'Launcher',
      ...storeArgs,
      String(options.port ?? 0),
      '127.0.0.1',
    ],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  // Kept until READY, so that a refusal (store in use, no port) is named in the error itself.
  let stderr = '';
  const collect = (chunk: Buffer) => (stderr += chunk.toString());
  child.stderr.on('data', collect);
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
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
      const reason = stderr
        .trim()
        .split('\n')
        .at(-1)
        ?.replace(/^Launcher: /, '');
      reject(new Error(`The Java MongoDB server exited with code ${code}${reason ? `: ${reason}` : ''}`));
    });
  });
  child.stderr.off('data', collect);
  child.stderr.pipe(process.stderr);
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin.end(); // the launcher stops (and writes out its store) when its stdin closes
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}
