import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { secretsAsEnv } from '../../src/security/keys.js';
import { startTestApp, type TestApp, testSecrets, uniqueDbName } from '../support/app.js';
import { Browser, type Page } from '../support/browser.js';
import { authorizationUrl, discoverRp, exchangeCode, oidc, passwordLogin } from '../support/rp.js';

/**
 * Two app processes on one database behind one "load balancer": this test process runs one
 * instance, `src/main.ts` runs the other as a separate process with the same configuration,
 * and every request of one member's flow goes to the other instance than the one before.
 */
let a: TestApp;
let other: ChildProcess;
let otherUrl: string;
const REDIRECT = 'https://rp.example.net/cb';
const dbName = uniqueDbName('two-instances');

/** A browser whose requests alternate between the two instances. */
class RoundRobinBrowser extends Browser {
  served: string[] = [];
  constructor(private readonly origins: string[]) {
    super();
  }
  override async request(url: string, init?: Parameters<Browser['request']>[1]): Promise<Page> {
    const target = new URL(url);
    if (this.origins.includes(target.origin)) {
      const next = this.origins[this.served.length % this.origins.length]!;
      this.served.push(next);
      url = next + target.pathname + target.search;
    }
    return super.request(url, init);
  }
}

function envOf(lines: string): Record<string, string> {
  return Object.fromEntries(
    lines
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).replace(/^'|'$/g, '')]),
  );
}

beforeAll(async () => {
  a = await startTestApp({ dbName });
  const uri = new URL(process.env.TEST_MONGODB_URI!);
  uri.pathname = `/${dbName}`;
  other = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      NODE_ENV: 'test',
      PORT: '0',
      ISSUER: a.issuer,
      MONGODB_URI: uri.href,
      LOG_LEVEL: 'info',
      ...envOf(secretsAsEnv(testSecrets())),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  otherUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the second instance did not start')), 30_000);
    createInterface({ input: other.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg === 'listening') {
        clearTimeout(timer);
        resolve(`http://localhost:${entry.port}`);
      }
    });
    other.once('exit', (code) => reject(new Error(`the second instance exited with ${code}`)));
  });
});

afterAll(async () => {
  if (other && other.exitCode === null) {
    const exited = new Promise((resolve) => other.once('exit', resolve));
    other.kill('SIGTERM');
    await exited;
  }
  await a?.close();
});

it('completes a sign-in whose requests alternate between two processes', async () => {
  const password = 'shared database password';
  const member = await a.context.members.create({
    familyName: 'Ito',
    givenName: 'Mai',
    email: 'mai@example.com',
    countryOfResidence: 'JP',
    password,
  });
  const client = await a.context.clients.create({
    name: 'Web',
    kind: 'web',
    redirectUris: [REDIRECT],
    firstParty: false,
  });
  const rp = await discoverRp(a.issuer, { ...client, redirectUri: REDIRECT });

  const browser = new RoundRobinBrowser([a.baseUrl, otherUrl]);
  const pending = await authorizationUrl(rp, { scope: 'openid email' });
  const { callback } = await passwordLogin(
    browser,
    rp,
    { membershipNumber: member.membershipNumber, password },
    pending,
  );
  // /auth, login page, POST login, /auth resume, consent page, POST confirm, /auth resume
  expect(browser.served.length).toBeGreaterThanOrEqual(6);
  expect(new Set(browser.served)).toEqual(new Set([a.baseUrl, otherUrl]));

  const tokens = await exchangeCode(rp, callback, pending);
  expect(tokens.claims()?.sub).toBe(member._id);

  // The access token issued by this process's token endpoint works at the other process.
  const called: string[] = [];
  rp.config[oidc.customFetch] = (url, options) => {
    const rewritten = url.replace(a.baseUrl, otherUrl);
    called.push(rewritten);
    return fetch(rewritten, options as RequestInit);
  };
  const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, member._id);
  expect(info.email).toBe('mai@example.com');
  expect(called).toEqual([`${otherUrl}/me`]);
});
