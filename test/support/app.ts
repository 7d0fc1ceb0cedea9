import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'mongoose';
import { createApp, createAppContext } from '../../src/app.js';
import { type Clock, systemClock } from '../../src/clock.js';
import { type Config, loadConfig, type Secrets } from '../../src/config.js';
import { registerConsoleClients } from '../../src/console/clients.js';
import type { AppContext } from '../../src/context.js';
import { connectDatabase } from '../../src/db/connection.js';
import { createLogger, type Logger } from '../../src/log.js';
import { generateSecrets } from '../../src/security/keys.js';

let sharedSecrets: Secrets | undefined;
/** Keys are slow to generate; one set serves every app in a test file (as in a real cluster). */
export function testSecrets(): Secrets {
  sharedSecrets ??= generateSecrets();
  return sharedSecrets;
}

export function uniqueDbName(prefix: string): string {
  return `${prefix.replace(/[^a-z0-9]/gi, '_').slice(0, 30)}_${randomBytes(4).toString('hex')}`;
}

export interface TestApp {
  context: AppContext;
  server: Server;
  /** Where this instance listens (differs from the issuer when several instances share one). */
  baseUrl: string;
  issuer: string;
  connection: Connection;
  close(): Promise<void>;
}

export interface TestAppOptions {
  dbName: string;
  clock?: Clock;
  /** Share an issuer between instances (a load balancer's URL); defaults to this instance's URL. */
  issuer?: string;
  env?: Record<string, string>;
  tweak?: (config: Config) => void;
  /** Instead of a logger at TEST_LOG_LEVEL: for a test that reads what was logged. */
  logger?: Logger;
  /** Defaults to testSecrets(); e.g. another JWKS for a key rotation. */
  secrets?: Secrets;
  /** A database server of the test's own (fault tests stop and pause it); else the shared one. */
  mongodbUri?: string;
}

/** Listens first, so the issuer can name the real port, then builds the real app on it. */
export async function listen(): Promise<{ server: Server; baseUrl: string }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // localhost, not 127.0.0.1: WebAuthn needs a domain name as its RP ID.
  return { server, baseUrl: `http://localhost:${port}` };
}

export async function startTestApp(options: TestAppOptions): Promise<TestApp> {
  const uri = options.mongodbUri ?? process.env.TEST_MONGODB_URI;
  if (!uri) throw new Error('TEST_MONGODB_URI is not set: run the tests through jest (global setup)');
  const { server, baseUrl } = await listen();
  const issuer = options.issuer ?? baseUrl;
  const config = loadConfig({
    NODE_ENV: 'test',
    ISSUER: issuer,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Never write into a developer's .data/ outbox.
    OUTBOX_FILE: join(tmpdir(), `jmb-test-outbox-${options.dbName}.jsonl`),
    ...options.env,
  });
  config.login.minResponseMs = 0;
  options.tweak?.(config);
  const secrets = options.secrets ?? testSecrets();
  const connection = await connectDatabase(uri, { dbName: options.dbName });
  const context = await createAppContext({
    config,
    secrets,
    connection,
    logger: options.logger ?? createLogger(config.logLevel),
    clock: options.clock ?? systemClock,
  });
  await registerConsoleClients(config, context.clients);
  context.runtime.localUrl = baseUrl;
  const app = createApp(context);
  server.on('request', app.callback());
  return {
    context,
    server,
    baseUrl,
    issuer,
    connection,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await context.audit.close();
      await connection.close();
    },
  };
}

/**
 * Members as the app's own model has them: a test that changes one directly goes through it, so the
 * app's caches hear of the change as they would of any write (db/shared-cache.ts).
 */
export function memberModel(app: TestApp) {
  return app.connection.model('Member');
}
