/**
 * `npm run bench`: the compiled product against oidc-provider 9 on the same database server,
 * interleaved in short rounds so that the noise of a shared machine falls on both alike.
 * See bench/README.md for what it measures and how to read it.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { SoftAuthenticator } from '../test/support/soft-authenticator.js';
import { startDatabase } from './database.js';
import { startCountingProxy } from './db-proxy.js';
import { HttpClient } from './http.js';
import { emptyTotals, measureRound, type Side } from './measure.js';
import { freePort, imageRuntimeEnv, projectRoot, type Server, startServer, statsOf } from './processes.js';
import { benchMembers, dist, provisionOurs, provisionTheirs, theirApps } from './provision.js';
import { commandBreakdown, problems, type Row, summarise, table } from './report.js';
import { THEIR_AUTHORIZATION, WORKLOADS } from './workloads.js';

function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number (got ${raw})`);
  return value;
}

const seconds = setting('BENCH_SECONDS', 120);
const roundSeconds = setting('BENCH_ROUND_SECONDS', 2);
const warmupSeconds = setting('BENCH_WARMUP_SECONDS', 2);
const concurrency = Math.round(setting('BENCH_CONCURRENCY', 16));
const chosen = process.env.BENCH_WORKLOADS?.split(',').map((s) => s.trim().toLowerCase());
const workloads = chosen ? WORKLOADS.filter((w) => chosen.some((c) => w.name.startsWith(c))) : WORKLOADS;
if (workloads.length === 0)
  throw new Error(`BENCH_WORKLOADS matches none of: ${WORKLOADS.map((w) => w.name).join(', ')}`);
const rounds = Math.max(1, Math.round(seconds / (workloads.length * 2 * roundSeconds)));

const say = (line: string) => process.stdout.write(`${line}\n`);
const workDir = join(projectRoot, '.data', 'bench');
mkdirSync(workDir, { recursive: true });
if (!existsSync(join(projectRoot, 'dist/src/main.js')))
  throw new Error('dist/ is missing: run `npm run build` (npm run bench does)');

const cleanups: Array<() => Promise<void>> = [];
const servers: Server[] = [];
process.on('exit', () => {
  for (const server of servers) {
    try {
      process.kill(server.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
process.on('SIGINT', () => process.exit(130));
// Known noise from dependencies (the Vonage SDK, SimpleWebAuthn's use of Web Crypto), not findings.
process.removeAllListeners('warning');
process.on('warning', (warning: Error & { code?: string }) => {
  if (warning.name !== 'ExperimentalWarning' && warning.code !== 'DEP0187')
    process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

async function main(): Promise<void> {
  say(
    `Benchmark: ${workloads.length} workloads × ours/theirs, ${rounds} rounds of ${roundSeconds} s each, ${concurrency} concurrent clients, loopback only`,
  );
  const db = await startDatabase(say);
  cleanups.push(db.stop);
  const proxies = {
    ours: await startCountingProxy(db, 'jmb_bench'),
    theirs: await startCountingProxy(db, 'oidc_provider_bench'),
  };
  cleanups.unshift(
    () => proxies.ours.close(),
    () => proxies.theirs.close(),
  );
  for (const proxy of Object.values(proxies)) {
    const connection = await mongoose.createConnection(proxy.uri).asPromise();
    await connection.dropDatabase(); // bench-only databases: start empty
    await connection.close();
  }

  const { generateSecrets } = await dist<typeof import('../src/security/keys.js')>('src/security/keys.js');
  const secrets = generateSecrets();
  const shared = {
    NODE_ENV: 'production',
    TRUST_PROXY: 'true',
    JWKS: JSON.stringify(secrets.jwks),
    COOKIE_KEYS: secrets.cookieKeys.join(','),
    LOG_LEVEL: 'warn',
  };
  const [oursPort, theirsPort] = [await freePort(), await freePort()];
  const oursIssuer = `https://localhost:${oursPort}`;
  const theirsIssuer = `https://localhost:${theirsPort}`;
  const oursEnv: Record<string, string> = {
    ...shared,
    PORT: String(oursPort),
    ISSUER: oursIssuer,
    MONGODB_URI: proxies.ours.uri,
    HMAC_SECRET: secrets.hmacSecret,
    DATA_DIR: workDir,
    // Nothing is sent during the benchmark; these only satisfy production's configuration checks.
    VONAGE_API_KEY: 'bench',
    VONAGE_API_SECRET: 'bench',
    VONAGE_REST_HOST: 'http://127.0.0.1:9',
    SMTP_URL: 'smtp://127.0.0.1:9',
    MAIL_FROM: 'JMB bench <bench@bench.example.jp>',
    // Every request comes from 127.0.0.1: the per-network budgets would stop the benchmark.
    RATE_LIMIT_LOGIN_PER_IP_PER_HOUR: '1000000000',
    RATE_LIMIT_PASSKEY_OPTIONS_PER_IP_PER_HOUR: '1000000000',
  };
  const nodeOptions = (name: string): Record<string, string> =>
    process.env[name] ? { NODE_OPTIONS: process.env[name]! } : {};
  // The product runs with the runtime settings its image sets (NODE_OPTIONS, MALLOC_ARENA_MAX);
  // BENCH_OURS_NODE_OPTIONS adds to them.
  const runtime = imageRuntimeEnv();
  const oursNodeOptions = [runtime.NODE_OPTIONS, process.env.BENCH_OURS_NODE_OPTIONS].filter(Boolean).join(' ');

  say(
    `Starting the product (dist/src/main.js, NODE_ENV=production, ${Object.entries(runtime)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')} as in the Dockerfile) and provisioning it with its own commands...`,
  );
  const ours = await startServer({
    name: 'ours',
    args: ['dist/src/main.js'],
    env: { ...oursEnv, ...runtime, ...(oursNodeOptions ? { NODE_OPTIONS: oursNodeOptions } : {}) },
    port: oursPort,
    issuer: oursIssuer,
    logFile: join(workDir, 'ours.log'),
  });
  servers.push(ours);
  const members = await benchMembers(concurrency);
  const oursKeys = members.map(() => new SoftAuthenticator(oursIssuer));
  const oursApps = await provisionOurs(oursEnv, members, oursKeys, workDir);

  say('Provisioning oidc-provider and starting it (bench/oidc-provider-server.ts)...');
  const { apps: theirsApps, metadata } = theirApps();
  const theirsKeys = members.map(() => new SoftAuthenticator(theirsIssuer));
  await provisionTheirs(proxies.theirs.uri, theirsIssuer, members, theirsKeys);
  const theirs = await startServer({
    name: 'theirs',
    args: ['bench/oidc-provider-server.ts'],
    env: {
      ...shared,
      ...nodeOptions('BENCH_THEIRS_NODE_OPTIONS'),
      PORT: String(theirsPort),
      ISSUER: theirsIssuer,
      MONGODB_URI: proxies.theirs.uri,
      BENCH_CLIENTS: JSON.stringify(metadata),
      BENCH_PASSWORD_MODULE: join(projectRoot, 'dist/src/members/password.js'),
    },
    port: theirsPort,
    issuer: theirsIssuer,
    logFile: join(workDir, 'theirs.log'),
  });
  servers.push(theirs);

  const side = (name: 'ours' | 'theirs', server: Server, apps: typeof oursApps, keys: SoftAuthenticator[]): Side => ({
    target: {
      name,
      http: new HttpClient(server.port, server.issuer, concurrency),
      apps,
      authorizationParams: name === 'theirs' ? THEIR_AUTHORIZATION : {},
    },
    workers: members.map((member, i) => ({ member, authenticator: keys[i]! })),
    pid: server.pid,
    proxy: proxies[name],
  });
  const sides = {
    ours: side('ours', ours, oursApps, oursKeys),
    theirs: side('theirs', theirs, theirsApps, theirsKeys),
  };
  const idle = { ours: statsOf(ours.pid), theirs: statsOf(theirs.pid) };

  say(`Warming up (${warmupSeconds} s per workload and server)...`);
  for (const workload of workloads)
    for (const s of Object.values(sides)) await measureRound(s, workload, warmupSeconds, db.pid, emptyTotals());

  const rows: Row[] = workloads.map((w) => ({ workload: w.name, ours: emptyTotals(), theirs: emptyTotals() }));
  for (let round = 0; round < rounds; round += 1) {
    for (const [i, workload] of workloads.entries()) {
      // Alternate who goes first, so neither side always inherits the other's garbage.
      for (const name of round % 2 === 0 ? (['ours', 'theirs'] as const) : (['theirs', 'ours'] as const)) {
        await measureRound(sides[name], workload, roundSeconds, db.pid, rows[i]![name]);
      }
    }
    say(`  round ${round + 1}/${rounds} done`);
  }
  const end = { ours: statsOf(ours.pid), theirs: statsOf(theirs.pid) };

  say('');
  say(
    table(
      rows,
      { ours: { idle: idle.ours, end: end.ours }, theirs: { idle: idle.theirs, end: end.theirs } },
      db.pid !== undefined,
    ),
  );
  say('');
  say('Database commands per operation, by command and collection:');
  say(commandBreakdown(rows));
  const failures = problems(rows);
  if (failures.length) {
    say('');
    say('FAILED OPERATIONS (not counted in ops/s or latency):');
    for (const line of failures) say(`  ${line}`);
  }
  const file = join(workDir, `results-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const json = rows.map((r) => ({
    workload: r.workload,
    ours: { ...summarise(r.ours), commands: Object.fromEntries(r.ours.commands) },
    theirs: { ...summarise(r.theirs), commands: Object.fromEntries(r.theirs.commands) },
  }));
  writeFileSync(
    file,
    `${JSON.stringify(
      { settings: { seconds, roundSeconds, warmupSeconds, concurrency, rounds }, rows: json, memory: { idle, end } },
      null,
      2,
    )}\n`,
  );
  say('');
  say(`Results also in ${file}; server logs in ${workDir}/ours.log and theirs.log`);
  for (const s of Object.values(sides)) s.target.http.close();
  process.exitCode = failures.length ? 1 : 0;
}

try {
  await main();
} finally {
  for (const server of servers.splice(0)) await server.stop();
  for (const cleanup of cleanups) await cleanup().catch(() => {});
}
