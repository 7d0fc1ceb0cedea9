import { type ChildProcess, spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { secretsAsEnv } from '../../src/security/keys.js';
import { startTestApp, type TestApp, testSecrets, uniqueDbName } from '../support/app.js';
import { Browser, findForm, type Page } from '../support/browser.js';
import { authorizationUrl, discoverRp, type RelyingParty } from '../support/rp.js';

/**
 * A SIGTERM to the real server (`src/main.ts`) while members are signing in: the load balancer is
 * told to stop sending (/readyz 503) while requests are still served, every request that reached
 * the instance gets its whole answer, and kept-alive connections are closed, never reset.
 */
let seeder: TestApp;
let server: ChildProcess;
let serverUrl: string;
let rp: RelyingParty;
const logLines: Array<{ msg?: string; time?: number }> = [];
const REDIRECT = 'https://rp.example.net/cb';
const dbName = uniqueDbName('drain');
const password = 'draining password ok';
let membershipNumber = '';

function envOf(lines: string): Record<string, string> {
  return Object.fromEntries(
    lines
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).replace(/^'|'$/g, '')]),
  );
}

/** Resolves once the server has logged one of `messages`. */
function logged(messages: string[], timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (logLines.some((line) => messages.includes(line.msg ?? ''))) {
        clearInterval(timer);
        clearTimeout(giveUp);
        resolve();
      }
    }, 10);
    const giveUp = setTimeout(() => {
      clearInterval(timer);
      reject(new Error(`the server never logged ${messages.join(' or ')}`));
    }, timeoutMs);
  });
}

beforeAll(async () => {
  // This process only seeds the shared database; the instance under test is a separate process.
  seeder = await startTestApp({ dbName });
  const member = await seeder.context.members.create({
    familyName: 'Mori',
    givenName: 'Aoi',
    email: 'aoi@example.com',
    countryOfResidence: 'JP',
    password,
  });
  membershipNumber = member.membershipNumber;
  const client = await seeder.context.clients.create({
    name: 'Web',
    kind: 'web',
    redirectUris: [REDIRECT],
    firstParty: true,
  });
  rp = await discoverRp(seeder.issuer, { ...client, redirectUri: REDIRECT });

  const uri = new URL(process.env.TEST_MONGODB_URI!);
  uri.pathname = `/${dbName}`;
  server = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      NODE_ENV: 'test',
      PORT: '0',
      ISSUER: seeder.issuer,
      MONGODB_URI: uri.href,
      LOG_LEVEL: 'info',
      DEV_SEED: 'false',
      DRAIN_SECONDS: '2',
      ...envOf(secretsAsEnv(testSecrets())),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  serverUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not start')), 30_000);
    createInterface({ input: server.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const entry = JSON.parse(line) as { msg?: string; port?: number; time?: number };
      logLines.push(entry);
      if (entry.msg === 'listening') {
        clearTimeout(timer);
        resolve(`http://localhost:${entry.port}`);
      }
    });
    server.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
  });
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGKILL');
    await exited;
  }
  await seeder?.close();
});

/** The login page of a fresh sign-in, loaded from the instance under test (over kept-alive connections). */
async function openLoginPage(): Promise<{ browser: Browser; page: Page }> {
  const browser = new Browser();
  const pending = await authorizationUrl(rp);
  const page = await browser.go(pending.url.replace(seeder.baseUrl, serverUrl));
  expect(page.status).toBe(200);
  return { browser, page };
}

/** Sends the login form; the answer (a redirect back to /auth) is not followed. */
async function postLogin(browser: Browser, page: Page) {
  const form = findForm(page, 'form[action$="/login"]');
  return browser.request(new URL(form.action, page.url).href, { form: { ...form.fields, membershipNumber, password } });
}

/** A connection that has sent a complete request and now sits idle, kept alive. */
async function idleKeptAliveConnection(): Promise<{ socket: Socket; closed: Promise<{ error?: string }> }> {
  const { port } = new URL(serverUrl);
  const socket = connect(Number(port), '127.0.0.1');
  let received = '';
  const answered = new Promise<void>((resolve) =>
    socket.on('data', (chunk) => {
      received += chunk.toString();
      if (received.includes('"status":"ok"')) resolve();
    }),
  );
  const closed = new Promise<{ error?: string }>((resolve) => {
    socket.once('error', (error) => resolve({ error: (error as NodeJS.ErrnoException).code ?? error.message }));
    socket.once('close', () => resolve({}));
  });
  socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n');
  await answered;
  return { socket, closed };
}

it('drains on SIGTERM: 503 from /readyz while requests are still served, then a clean close', async () => {
  const members = await Promise.all(Array.from({ length: 12 }, () => openLoginPage()));
  const idle = await idleKeptAliveConnection();

  // A request whose body is still arriving when the listener closes: it is in flight throughout.
  const { port } = new URL(serverUrl);
  const slow = connect(Number(port), '127.0.0.1');
  let slowAnswer = '';
  const slowDone = new Promise<void>((resolve) => {
    slow.on('data', (chunk) => (slowAnswer += chunk.toString()));
    slow.once('close', () => resolve());
    slow.once('error', () => resolve());
  });
  const slowBody = 'grant_type=client_credentials&client_id=nobody&client_secret=nothing';
  slow.write(
    `POST /token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${slowBody.length}\r\n\r\n${slowBody.slice(0, 10)}`,
  );

  const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
  server.kill('SIGTERM');
  await logged(['draining', 'shutting down']); // the signal has arrived

  const ready = await fetch(`${serverUrl}/readyz`);
  expect(ready.status).toBe(503);
  expect(await ready.json()).toEqual({ status: 'draining' });

  // Every member presses "Log in" after the signal, on the connections their pages came over.
  const answers = await Promise.allSettled(members.map(({ browser, page }) => postLogin(browser, page)));
  const outcomes = answers.map((a) =>
    a.status === 'fulfilled' ? a.value.status : `failed: ${String((a.reason as Error).cause ?? a.reason)}`,
  );
  expect(outcomes).toEqual(Array(12).fill(303));
  for (const answer of answers) {
    if (answer.status === 'fulfilled') expect(answer.value.headers.get('connection')).toBe('close');
  }

  await logged(['shutting down']); // the listener is closed now
  slow.write(slowBody.slice(10)); // not end(): a half-closed request is one the client gave up on
  await slowDone;
  // An unknown client: a complete refusal, not a reset.
  expect(slowAnswer).toMatch(/^HTTP\/1\.1 401 /);
  expect(slowAnswer).toMatch(/\r\nconnection: close\r\n/i);
  expect(slowAnswer).toMatch(/"error":"invalid_client"/);

  // The connection that sat idle through the drain is closed by the server without an error.
  expect(await idle.closed).toEqual({});
  expect(await exited).toBe(0);
});
