import { spawn } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Jwks } from '../../src/config.js';
import { generateJwks } from '../../src/security/keys.js';
import { startTestApp, type TestApp, testSecrets, uniqueDbName } from '../support/app.js';
import { Browser } from '../support/browser.js';
import {
  authorizationUrl,
  discoverRp,
  exchangeCode,
  type oidc,
  passwordLogin,
  type RpClient,
  verifyIdToken,
} from '../support/rp.js';

/**
 * `npm run rotate-keys` as README's "Rotating signing keys" describes it: two instances behind a
 * load balancer, each step rolled out one instance at a time, and relying apps (openid-client)
 * verifying ID tokens signed before and after every step, by either instance, in the mixed states
 * in between too. RS256 and ES256 rotate together.
 */
const dbName = uniqueDbName('key-rotation');
const PASSWORD = 'rotation test password';
type Name = 'x' | 'y';

/** The load balancer: forwards everything to one chosen instance and counts JWKS downloads. */
class Balancer {
  target!: TestApp;
  jwksFetches = 0;
  readonly server: Server = createServer((req, res) => {
    if (req.url === '/jwks') this.jwksFetches += 1;
    const upstream = request(this.target.baseUrl + req.url, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  get url(): string {
    return `http://localhost:${(this.server.address() as AddressInfo).port}`;
  }
}

interface Signed {
  idToken: string;
  nonce: string;
  kid: string;
  client: RpClient;
}

const lb = new Balancer();
const instances = {} as Record<Name, TestApp>;
let membershipNumber: string;
let clients: RpClient[];
const kids = { old: [] as string[], new: [] as string[] };

function kidOf(idToken: string): string {
  return (JSON.parse(Buffer.from(idToken.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
}

async function startInstance(name: Name, jwks: Jwks): Promise<void> {
  await instances[name]?.close();
  instances[name] = await startTestApp({ dbName, issuer: lb.url, secrets: { ...testSecrets(), jwks } });
}

/** Runs the command as an operator would, on the JWKS in the environment. */
function rotate(step: string, jwks: Jwks): Promise<Jwks> {
  const { JWKS_FILE: _none, ...env } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/rotate-keys.ts', step, '--json'], {
    env: { ...env, NODE_OPTIONS: '', JWKS: JSON.stringify(jwks) },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(stdout) as Jwks)
        : reject(new Error(`rotate-keys ${step} exited ${code}: ${stderr}`)),
    );
  });
}

/** Signs the member in to both apps through the given instance; returns the two ID tokens. */
async function signIn(via: Name): Promise<Signed[]> {
  lb.target = instances[via];
  const browser = new Browser();
  const signed: Signed[] = [];
  for (const client of clients) {
    const rp = await discoverRp(lb.url, client);
    const pending = await authorizationUrl(rp);
    const { callback } = await passwordLogin(browser, rp, { membershipNumber, password: PASSWORD }, pending);
    const tokens = await exchangeCode(rp, callback, pending); // checks the signature too
    signed.push({ idToken: tokens.id_token!, nonce: pending.nonce, kid: kidOf(tokens.id_token!), client });
  }
  return signed;
}

function verify(token: Signed, via: Name, jwksCache?: oidc.ExportedJWKSCache): Promise<oidc.IDToken> {
  lb.target = instances[via];
  return verifyIdToken(lb.url, token.client, token.idToken, token.nonce, jwksCache);
}

async function verifiedEverywhere(tokens: Signed[]): Promise<void> {
  for (const token of tokens) {
    for (const via of ['x', 'y'] as const) expect((await verify(token, via)).sub).toBeTruthy();
  }
}

async function published(name: Name): Promise<Jwks> {
  return (await (await fetch(`${instances[name].baseUrl}/jwks`)).json()) as Jwks;
}

/** What an app that downloaded `jwks` 30 seconds ago holds: too recent to download again for an unknown kid. */
function cacheOf(jwks: Jwks): oidc.ExportedJWKSCache {
  return { jwks: jwks as oidc.JWKS, uat: Math.floor(Date.now() / 1000) - 30 };
}

let jwks: Jwks = generateJwks();
const signedBefore: Signed[] = [];

beforeAll(async () => {
  await new Promise<void>((resolve) => lb.server.listen(0, '127.0.0.1', resolve));
  await startInstance('x', jwks);
  await startInstance('y', jwks);
  const app = instances.x.context;
  membershipNumber = (
    await app.members.create({
      familyName: 'Sato',
      givenName: 'Ken',
      email: 'ken@example.jp',
      countryOfResidence: 'JP',
      password: PASSWORD,
    })
  ).membershipNumber;
  clients = [];
  for (const alg of ['RS256', 'ES256'] as const) {
    const redirectUri = `https://${alg.toLowerCase()}.example.net/cb`;
    const created = await app.clients.create({
      name: alg,
      kind: 'web',
      redirectUris: [redirectUri],
      firstParty: true,
      idTokenSigningAlg: alg,
    });
    clients.push({ clientId: created.clientId, clientSecret: created.clientSecret, redirectUri, idTokenAlg: alg });
  }
  kids.old = jwks.keys.map((k) => k.kid as string);
  signedBefore.push(...(await signIn('x')));
  expect(signedBefore.map((s) => s.kid)).toEqual(kids.old);
});

afterAll(async () => {
  for (const app of Object.values(instances)) await app.close();
  await new Promise<void>((resolve) => lb.server.close(() => resolve()));
});

describe('rotating the signing keys', () => {
  let afterIntroduce: Jwks;
  let beforeIntroduce: Jwks;
  const signed: Signed[] = [];

  it('1. introduce: the new keys are published, nothing signs with them yet', async () => {
    beforeIntroduce = await published('y');
    jwks = await rotate('introduce', jwks);
    kids.new = jwks.keys.map((k) => k.kid as string).filter((kid) => !kids.old.includes(kid));
    expect(kids.new).toHaveLength(2);

    await startInstance('x', jwks); // y still runs the old JWKS
    const keyOps = Object.fromEntries((await published('x')).keys.map((k) => [k.kid, k.key_ops]));
    expect(keyOps).toEqual({
      [kids.old[0]!]: undefined,
      [kids.new[0]!]: ['verify'],
      [kids.old[1]!]: undefined,
      [kids.new[1]!]: ['verify'],
    });
    const duringRollout = [...(await signIn('x')), ...(await signIn('y'))];
    expect(duringRollout.map((s) => s.kid)).toEqual([...kids.old, ...kids.old]);
    await verifiedEverywhere([...signedBefore, ...duringRollout]);

    await startInstance('y', jwks);
    afterIntroduce = await published('y');
    signed.push(...duringRollout);
  });

  it('2. promote: the new keys sign, the old ones still verify, on every instance during the rollout', async () => {
    jwks = await rotate('promote', jwks);
    await startInstance('x', jwks); // x signs with the new keys, y still with the old ones
    const fromX = await signIn('x');
    const fromY = await signIn('y');
    expect(fromX.map((s) => s.kid)).toEqual(kids.new);
    expect(fromY.map((s) => s.kid)).toEqual(kids.old);
    await verifiedEverywhere([...signedBefore, ...signed, ...fromX, ...fromY]);

    // An app that downloaded the JWKS after step 1 knows the new keys without downloading again...
    const fetches = lb.jwksFetches;
    for (const token of fromX) expect((await verify(token, 'x', cacheOf(afterIntroduce))).sub).toBeTruthy();
    expect(lb.jwksFetches).toBe(fetches);
    // ...while one that downloaded it shortly before the new keys signed, had they not been
    // published first, refuses their tokens: why step 1 comes first, and the wait after it.
    await expect(verify(fromX[0]!, 'x', cacheOf(beforeIntroduce))).rejects.toThrow('no applicable keys found');

    await startInstance('y', jwks);
    const afterRollout = await signIn('y');
    expect(afterRollout.map((s) => s.kid)).toEqual(kids.new);
    signed.push(...fromX, ...fromY, ...afterRollout);
  });

  it('3. retire: only the new keys remain; tokens signed by the old ones verify until they expire, and the wait outlasts them', async () => {
    jwks = await rotate('retire', jwks);
    expect(jwks.keys.map((k) => k.kid)).toEqual(kids.new);
    const bySigner = (kid: string[]) => [...signedBefore, ...signed].filter((s) => kid.includes(s.kid));

    await startInstance('x', jwks);
    await verifiedEverywhere(bySigner(kids.new));
    await startInstance('y', jwks);
    const afterRetire = await signIn('y');
    expect(afterRetire.map((s) => s.kid)).toEqual(kids.new);
    await verifiedEverywhere([...bySigner(kids.new), ...afterRetire]);

    // The old keys signed until step 2 was rolled out; the procedure waits at least an ID token's
    // lifetime before retiring them, after which none of their tokens is still valid anyway.
    const oldToken = bySigner(kids.old)[0]!;
    const claims = await verifyIdToken(
      lb.url,
      oldToken.client,
      oldToken.idToken,
      oldToken.nonce,
      cacheOf(afterIntroduce),
    );
    expect(claims.exp - claims.iat).toBe(instances.y.context.config.ttl.idTokenSeconds);
    await expect(verify(oldToken, 'y')).rejects.toThrow('no applicable keys found');
  });
});
