import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAppContext } from '../../src/app.js';
import { systemClock } from '../../src/clock.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import type { AppContext } from '../../src/context.js';
import { connectDatabase } from '../../src/db/connection.js';
import { FieldError } from '../../src/errors.js';
import { loadOrCreateDevSecrets } from '../../src/dev/secrets.js';
import { createLogger } from '../../src/log.js';

/** Raised for anything the operator got wrong: printed without a stack, exit status 1. */
export class UsageError extends Error {}

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
    if (!existsSync(file)) throw new UsageError('Set MONGODB_URI, or start the development server (npm start) first so this command can use its database.');
    uri = readFileSync(file, 'utf8').trim();
  }
  const connection = await connectDatabase(uri);
  try {
    const app = await createAppContext({ config, secrets, connection, logger: createLogger('warn'), clock: systemClock });
    return await work(app);
  } finally {
    await connection.close();
  }
}

/** Runs a command's main function: clear messages and a non-zero exit status on failure. */
export function run(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      if (error instanceof UsageError || error instanceof ConfigError || error instanceof FieldError) {
        process.stderr.write(`Error: ${(error as Error).message}\n`);
        process.exit(1);
      }
      process.stderr.write(`Failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
