import { rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createApp, createAppContext } from './app.js';
import { systemClock } from './clock.js';
import { type Config, ConfigError, loadConfig, type Secrets } from './config.js';
import { registerConsoleClients } from './console/clients.js';
import { connectDatabase } from './db/connection.js';
import { startMetricsServer } from './http/metrics.js';
import { createLogger } from './log.js';
import { stopTracing, tracingActive } from './observability/tracing-state.js';

/**
 * Process entry: configuration → database → app → listen. Without MONGODB_URI (never in
 * production) an embedded development database is started and demo data is seeded.
 * SIGTERM/SIGINT drain the instance (see shutdown below), deliver the audit events still queued,
 * then close. Tracing, when on, was started before this file was loaded
 * (`--import ./dist/src/observability/tracing.js`).
 */
function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee the configuration table in README.md.\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const stops: Array<() => Promise<void>> = [];

  let secrets: Secrets;
  if (config.secrets) secrets = config.secrets;
  else {
    const { loadOrCreateDevSecrets } = await import('./dev/secrets.js');
    const dev = loadOrCreateDevSecrets(config.dataDir);
    secrets = dev.secrets;
    say(
      dev.created
        ? `Generated development keys in ${config.dataDir}/dev-secrets.json`
        : `Using development keys from ${config.dataDir}/dev-secrets.json`,
    );
  }

  let uri = config.mongodbUri;
  if (!uri) {
    const { describeEmbeddedMongo, startEmbeddedMongo } = await import('./dev/embedded-mongo.js');
    const embedded = await startEmbeddedMongo({ dataDir: config.dataDir, engine: config.embeddedMongo, log: say });
    stops.push(() => embedded.stop());
    uri = embedded.uri;
    // Lets scripts/ commands (create-client, create-member) reach this database while we run.
    const uriFile = join(config.dataDir, 'dev-mongodb-uri');
    writeFileSync(uriFile, `${uri}\n`);
    stops.push(async () => rmSync(uriFile, { force: true }));
    say(describeEmbeddedMongo(embedded));
  }
  const connection = await connectDatabase(uri);
  stops.unshift(() => connection.close());

  const context = await createAppContext({ config, secrets, connection, logger, clock: systemClock });
  // Audit events still queued for a webhook go out once no request can add more.
  stops.unshift(() => context.audit.close());
  stops.push(() => stopTracing());
  if (config.otlpEndpoint && !tracingActive())
    logger.warn(
      'OTEL_EXPORTER_OTLP_ENDPOINT is set but tracing is not loaded: start with node --import ./dist/src/observability/tracing.js (npm start and the Docker image do)',
    );
  await registerConsoleClients(config, context.clients);
  const banner = [
    `JMB identity provider: ${config.issuer}`,
    `  discovery: ${config.issuer}/.well-known/openid-configuration`,
  ];
  let demo: { clientId: string; clientSecret: string; url: string } | undefined;
  if (config.devSeed) {
    const { seedDemoData, DEMO_MEMBER, DEMO_CLIENT_ID } = await import('./dev/seed.js');
    const demoUrl = config.demoAppPort ? `http://localhost:${config.demoAppPort}` : undefined;
    const { clientSecret } = await seedDemoData(context, demoUrl);
    banner.push(`  demo member: membership number ${DEMO_MEMBER.membershipNumber}, password ${DEMO_MEMBER.password}`);
    if (demoUrl && clientSecret) demo = { clientId: DEMO_CLIENT_ID, clientSecret, url: demoUrl };
  }

  if (config.metrics.port !== undefined) {
    const metrics = await startMetricsServer(context.metrics, { port: config.metrics.port, host: config.metrics.host });
    stops.unshift(() => metrics.close());
    logger.info({ port: metrics.port, host: config.metrics.host }, 'metrics listening');
  }

  const app = createApp(context);
  const server = createServer(app.callback());
  server.keepAliveTimeout = 65_000; // longer than typical load balancer idle timeouts
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, resolve);
  });
  stops.unshift(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  context.runtime.localUrl = `http://127.0.0.1:${port}`;
  logger.info({ issuer: config.issuer, port, env: config.env }, 'listening');

  if (demo) {
    const { startDemoApp } = await import('./dev/demo-app.js');
    const started = await startDemoApp({
      issuer: config.issuer,
      port: config.demoAppPort,
      clientId: demo.clientId,
      clientSecret: demo.clientSecret,
    });
    stops.unshift(() => new Promise<void>((resolve) => started.server.close(() => resolve())));
    banner.push(`  demo relying app: ${started.url}  (click "Sign in")`);
  }
  banner.push(`  My account: ${config.issuer}/account`);
  banner.push(
    `  admin console: ${config.issuer}/admin${config.env === 'production' ? '' : '  (first admin: npm run create-admin -- --email you@example.jp --name You --role editor)'}`,
  );
  if (context.messenger.outbox)
    banner.push(`  outbox (codes sent by SMS and e-mail in development): ${config.issuer}/dev/outbox`);
  say();
  for (const line of banner) say(line);
  say();

  /**
   * The drain: /readyz answers 503 at once and requests are still served for DRAIN_SECONDS, while
   * the load balancer takes this instance out; then the listener closes, idle connections are
   * closed, in-flight requests finish (10 s at most) and the database connection closes last.
   */
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    context.runtime.draining = true;
    logger.info({ signal, drainSeconds: config.drainSeconds }, 'draining');
    if (config.drainSeconds > 0) await new Promise((resolve) => setTimeout(resolve, config.drainSeconds * 1000));
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => server.closeAllConnections(), 10_000);
    force.unref();
    for (const stop of stops)
      await stop().catch((error: unknown) => logger.error({ err: error }, 'error while stopping'));
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
