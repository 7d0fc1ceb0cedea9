import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { createAppContext } from '../../src/app.js';
import { systemClock } from '../../src/clock.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import type { AppContext } from '../../src/context.js';
import { connectDatabase } from '../../src/db/connection.js';
import { loadOrCreateDevSecrets } from '../../src/dev/secrets.js';
import { FieldError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';

/** Raised for anything the operator got wrong: printed without a stack, exit status 1. */
export class UsageError extends Error {}

/** A command's options, parsed strictly; a wrong one is a UsageError naming it. */
export function commandOptions<const T extends ParseArgsOptionsConfig>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export const DEV_URI_FILE = 'dev-mongodb-uri';

/**
 * Runs `work` with the same configuration, keys and database as the server: MONGODB_URI, or in
 * development the embedded database of a running `npm start` (its URI is kept under DATA_DIR).
 */
export async function withAppContext<T>(work: (app: AppContext) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const secrets = config.secrets ?? loadOrCreateDevSecrets(config.dataDir).secrets;
  let uri = config.mongodbUri;
  if (!uri) {
    const file = join(config.dataDir, DEV_URI_FILE);
    if (!existsSync(file))
      throw new UsageError(
        'Set MONGODB_URI, or start the development server (npm start) first so this command can use its database.',
      );
    uri = readFileSync(file, 'utf8').trim();
  }
  const connection = await connectDatabase(uri);
  try {
    const app = await createAppContext({
      config,
      secrets,
      connection,
      logger: createLogger('warn'),
      clock: systemClock,
    });
    return await work(app);
  } finally {
    await connection.close();
  }
}

/** What a command reads and writes besides its arguments: the process's, or a test's. */
export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<string>;
  /** The provider's context on its database (withAppContext for a real run). */
  withApp<T>(work: (app: AppContext) => Promise<T>): Promise<T>;
}

export type Command = (argv: string[], io: CommandIo) => Promise<void>;

const processIo: CommandIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  readStdin,
  withApp: withAppContext,
};

/** Runs a command and returns its exit status: an operator's mistake is one line, anything else its stack. */
export async function execute(command: Command, argv: string[], io: CommandIo): Promise<number> {
  try {
    await command(argv, io);
    return 0;
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError || error instanceof FieldError) {
      io.stderr(`Error: ${(error as Error).message}\n`);
      return 1;
    }
    io.stderr(`Failed: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}

/** Runs the command when its module is the process's entry point (not when a test imports it). */
export function runAsEntryPoint(moduleUrl: string, command: Command): void {
  const entry = process.argv[1];
  if (!entry || !existsSync(entry) || realpathSync(entry) !== fileURLToPath(moduleUrl)) return;
  void execute(command, process.argv.slice(2), processIo).then((status) => process.exit(status));
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
