import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { uniqueDbName } from '../support/app.js';

/**
 * The process as `npm start` runs it (tracing.ts loaded with --import before main.ts), with
 * OTEL_EXPORTER_OTLP_ENDPOINT pointing at a stand-in OTLP/HTTP collector: a request's spans
 * (HTTP, the Koa route, its MongoDB command) arrive there; the metrics have a port of their
 * own and are not on the public one; SIGTERM ends the process cleanly after sending the spans.
 */
interface ReceivedSpan {
  scope: string;
  name: string;
  service: string;
}

const spans: ReceivedSpan[] = [];
let collector: Server;
let child: ChildProcess;
const dataDir = mkdtempSync(join(tmpdir(), 'jmb-tracing-'));
const ports: { public?: number; metrics?: number } = {};
let exited: Promise<number | null>;

type Attribute = { key: string; value: { stringValue?: string } };
interface OtlpJson {
  resourceSpans?: Array<{
    resource?: { attributes?: Attribute[] };
    scopeSpans?: Array<{ scope: { name: string }; spans?: Array<{ name: string }> }>;
  }>;
}

function collect(body: OtlpJson): void {
  for (const resource of body.resourceSpans ?? []) {
    const service = resource.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
    for (const scope of resource.scopeSpans ?? [])
      for (const span of scope.spans ?? []) spans.push({ scope: scope.scope.name, name: span.name, service });
  }
}

async function waitFor<T>(find: () => T | undefined, what: string, ms = 20_000): Promise<T> {
  for (let waited = 0; ; waited += 50) {
    const found = find();
    if (found !== undefined) return found;
    if (waited > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  collector = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      if (req.url === '/v1/traces') collect(JSON.parse(body) as OtlpJson);
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const uri = new URL(process.env.TEST_MONGODB_URI!);
  uri.pathname = `/${uniqueDbName('tracing')}`;
  child = spawn(process.execPath, ['--import', 'tsx', '--import', './src/observability/tracing.ts', 'src/main.ts'], {
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      NODE_ENV: 'test',
      MONGODB_URI: uri.href,
      DATA_DIR: dataDir,
      DEV_SEED: 'false',
      PORT: '0',
      METRICS_PORT: '0',
      METRICS_HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_SERVICE_NAME: 'jmb-idp-test',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines.filter((l) => l.startsWith('{'))) {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg === 'listening') ports.public = entry.port;
      if (entry.msg === 'metrics listening') ports.metrics = entry.port;
    }
  });
  await waitFor(() => ports.public, 'the server to listen', 40_000);
});

afterAll(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
  collector.closeAllConnections();
  await new Promise((resolve) => collector.close(resolve));
  rmSync(dataDir, { recursive: true, force: true });
});

describe('tracing, with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  it('exports the spans of a request: HTTP, the Koa route and the MongoDB command', async () => {
    const base = `http://127.0.0.1:${ports.public}`;
    expect((await fetch(`${base}/`)).status).toBe(200);
    const authorize = `${base}/auth?client_id=unknown-app&response_type=code&scope=openid&redirect_uri=https://x.example/cb`;
    expect((await fetch(authorize)).status).toBe(400);
    const has = (scope: string, name: RegExp) => spans.find((s) => s.scope.endsWith(scope) && name.test(s.name));
    await waitFor(() => has('instrumentation-http', /^GET/), 'an HTTP span');
    await waitFor(() => has('instrumentation-koa', /\/$/), 'the Koa route span');
    const find = await waitFor(() => has('instrumentation-mongodb', /^find/), 'a MongoDB span');
    expect(find.service).toBe('jmb-idp-test');
  });

  it('serves the metrics on METRICS_PORT, not on the public port', async () => {
    const scraped = await fetch(`http://127.0.0.1:${ports.metrics}/metrics`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toMatch(
      /jmb_http_request_duration_seconds_count\{method="GET",route="\/",status="200"\} 1/,
    );
    expect((await fetch(`http://127.0.0.1:${ports.public}/metrics`)).status).toBe(404);
    // Probes are left out of the traces.
    expect((await fetch(`http://127.0.0.1:${ports.public}/readyz`)).status).toBe(200);
  });

  it('stops on SIGTERM, sending the spans still buffered', async () => {
    const before = spans.length;
    await fetch(`http://127.0.0.1:${ports.public}/account`, { redirect: 'manual' });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(spans.slice(before).some((s) => s.name.startsWith('GET'))).toBe(true);
    expect(spans.some((s) => s.name.includes('readyz'))).toBe(false);
  });
});
