import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { exportJWK, generateKeyPair } from 'jose';
import request from 'supertest';
import { createAppContext } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { connectDatabase } from '../../src/db/connection.js';
import { createLogger } from '../../src/log.js';
import { serviceToken } from '../support/admin-api.js';
import { startTestApp, type TestApp, testSecrets, uniqueDbName } from '../support/app.js';
import { Browser } from '../support/browser.js';
import { authorizationUrl, discoverRp } from '../support/rp.js';

/**
 * What careless or hostile clients send, and races between admins: every one gets a clear 4xx
 * (never a 500), nothing is half written or overwritten, and what a developer registered stays
 * theirs.
 */
let app: TestApp;
let editorToken = '';
let webClient: { clientId: string; clientSecret?: string | undefined };
const REDIRECT = 'https://rp.example.com/cb';
const NOT_GZIP = Buffer.from('this was never compressed');

beforeAll(async () => {
  app = await startTestApp({ dbName: uniqueDbName('hostile') });
  editorToken = await serviceToken(app, 'editor');
  webClient = await app.context.clients.create({
    name: 'Web',
    kind: 'web',
    redirectUris: [REDIRECT],
    firstParty: true,
  });
});

afterAll(async () => {
  await app?.close();
});

const api = () => request(app.server);
const asEditor = () => ({ Authorization: `Bearer ${editorToken}` });

describe('a body that is not what its Content-Encoding says', () => {
  /** Sends the same bogus body under every encoding; the answers, by encoding. */
  async function send(path: string, type: string, headers: Record<string, string> = {}) {
    const answers: Record<string, { status: number; json: boolean; body: string }> = {};
    for (const encoding of ['gzip', 'deflate', 'br', 'x-unknown']) {
      const response = await fetch(`${app.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': type, 'content-encoding': encoding, ...headers },
        body: NOT_GZIP,
      });
      answers[encoding] = {
        status: response.status,
        json: (response.headers.get('content-type') ?? '').includes('json'),
        body: await response.text(),
      };
    }
    return answers;
  }

  const expectRefused = (answers: Awaited<ReturnType<typeof send>>, kind: 'page' | 'json') => {
    for (const [encoding, answer] of Object.entries(answers)) {
      expect({ encoding, status: answer.status }).toEqual({ encoding, status: encoding === 'x-unknown' ? 415 : 400 });
      expect(answer.json).toBe(kind === 'json');
      if (kind === 'json') expect(JSON.parse(answer.body)).toMatchObject({ error: 'invalid_request' });
      else expect(answer.body).toContain('The request could not be processed.');
      expect(answer.body).not.toMatch(/at .*\.(ts|js):\d+/);
    }
  };

  it('is refused on the sign-in forms and the passkey ceremony, in the page’s language', async () => {
    const rp = await discoverRp(app.issuer, { ...webClient, redirectUri: REDIRECT });
    const browser = new Browser();
    browser.headers['accept-language'] = 'en';
    const login = await browser.go((await authorizationUrl(rp)).url);
    const cookie = { cookie: browser.cookieHeader(new URL(login.url)), 'accept-language': 'en' };
    const uid = new URL(login.url).pathname.split('/')[2]!;
    expectRefused(await send(`/interaction/${uid}/login`, 'application/x-www-form-urlencoded', cookie), 'page');
    expectRefused(await send(`/interaction/${uid}/passkey/options`, 'application/json', cookie), 'json');
  });

  it('is refused by My account, the admin console and the admin API', async () => {
    const english = { 'accept-language': 'en' };
    expectRefused(await send('/account/email', 'application/x-www-form-urlencoded', english), 'page');
    expectRefused(await send('/account/passkeys/register/options', 'application/json', english), 'json');
    expectRefused(await send('/admin/clients', 'application/x-www-form-urlencoded', english), 'page');
    expectRefused(await send('/api/admin/clients', 'application/json', { ...asEditor(), ...english }), 'json');
  });

  it('is refused by the protocol endpoints', async () => {
    const basic = {
      authorization: `Basic ${Buffer.from(`${webClient.clientId}:${webClient.clientSecret}`).toString('base64')}`,
    };
    for (const answer of Object.values(await send('/token', 'application/x-www-form-urlencoded', basic))) {
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
    }
  });

  it('is still read when it really is compressed', async () => {
    const response = await fetch(`${app.baseUrl}/api/admin/clients`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', ...asEditor() },
      body: gzipSync(
        JSON.stringify({ name: 'Compressed', kind: 'web', redirect_uris: ['https://gzip.example.com/cb'] }),
      ),
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ name: 'Compressed' });
  });
});

describe('dynamic registration (RFC 7591) with metadata of the wrong shape', () => {
  it.each([
    ['redirect_uris', { redirect_uris: 'https://app.example.com/cb' }],
    ['redirect_uris', { redirect_uris: { first: 'https://app.example.com/cb' } }],
    [
      'post_logout_redirect_uris',
      { redirect_uris: ['https://app.example.com/cb'], post_logout_redirect_uris: 'https://app.example.com/' },
    ],
    ['grant_types', { redirect_uris: ['https://app.example.com/cb'], grant_types: 'authorization_code' }],
    ['grant_types', { redirect_uris: ['https://app.example.com/cb'], grant_types: [{ refresh: true }] }],
  ])('gets invalid_client_metadata for %s', async (field, metadata) => {
    const iat = await new app.context.provider.InitialAccessToken({ expiresIn: 600, policies: ['relying-app'] }).save();
    const before = await app.connection.collection('oidc_client').countDocuments();
    const response = await api().post('/reg').set('Authorization', `Bearer ${iat}`).send(metadata);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: 'invalid_client_metadata',
      error_description: `the value of ${field} must be an array of strings`,
    });
    expect(await app.connection.collection('oidc_client').countDocuments()).toBe(before);
  });
});

describe('the admin API', () => {
  const valid = { name: 'Partner', kind: 'web', redirect_uris: ['https://partner.example.com/cb'] };

  it.each(['constructor', 'toString', 'hasOwnProperty', 'valueOf'])('refuses %s as an unknown field', async (key) => {
    const response = await api()
      .post('/api/admin/clients')
      .set(asEditor())
      .send(
        JSON.parse(`{"name":"Partner","kind":"web","redirect_uris":["https://partner.example.com/cb"],"${key}":"x"}`),
      );
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      error: 'invalid_client_metadata',
      field: key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
    });
    expect(response.body.error_description).toMatch(/is not a client field$/);
  });

  it('refuses a body that tries to set __proto__', async () => {
    const response = await api()
      .post('/api/admin/clients')
      .set(asEditor())
      .set('content-type', 'application/json')
      .send(
        '{"name":"Partner","kind":"web","redirect_uris":["https://partner.example.com/cb"],"__proto__":{"first_party":true}}',
      );
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_request');
    expect(await app.connection.collection('oidc_client').countDocuments({ 'payload.client_name': 'Partner' })).toBe(0);
  });

  it.each([
    ['a newline', 'Partner\nAdmin'],
    ['a NUL', 'Partner\u0000'],
    ['a right-to-left override', 'Partner \u202Egnp.exe'],
  ])('refuses a name with %s', async (_what, name) => {
    const response = await api()
      .post('/api/admin/clients')
      .set(asEditor())
      .send({ ...valid, name });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      error: 'invalid_client_metadata',
      field: 'name',
      error_description: 'name: must not contain control characters',
    });
  });

  it('refuses a private_key_jwt key set it cannot use', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(privateKey);
    const cases = [
      [
        { kty: 'EC', crv: 'P-256', x: 'not-a-point', y: 'nope' },
        'jwks: key 1 is not a public key that can be used (EC)',
      ],
      [{ kty: 'OKP' }, 'jwks: key 1 is not a public key that can be used (OKP)'],
      [privateJwk, 'jwks: key 1 is a private or symmetric key: give the public keys only'],
      [{ kty: 'oct', k: 'c2VjcmV0' }, 'jwks: key 1 is a private or symmetric key: give the public keys only'],
    ] as const;
    for (const [key, description] of cases) {
      const response = await api()
        .post('/api/admin/clients')
        .set(asEditor())
        .send({ ...valid, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key] } });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ field: 'jwks', error_description: description });
    }
  });

  it('lets exactly one of two simultaneous creations of one client_id through; the other gets a conflict', async () => {
    const body = { ...valid, client_id: 'race-app' };
    const [first, second] = await Promise.all([
      api()
        .post('/api/admin/clients')
        .set(asEditor())
        .send({ ...body, name: 'First' }),
      api()
        .post('/api/admin/clients')
        .set(asEditor())
        .send({ ...body, name: 'Second' }),
    ]);
    expect([first.status, second.status].sort()).toEqual([201, 409]);
    const winner = first.status === 201 ? first : second;
    const loser = first.status === 201 ? second : first;
    expect(loser.body).toMatchObject({
      field: 'client_id',
      error_description: 'client_id: race-app is already registered',
    });
    const stored = await app.connection.collection('oidc_client').findOne({ _id: 'race-app' as never });
    expect(stored?.payload.client_name).toBe(winner.body.name);
    // The library refuses the same way (the console and the command use it).
    await expect(
      app.context.clients.create({ name: 'Third', kind: 'web', redirectUris: [REDIRECT], clientId: 'race-app' }),
    ).rejects.toMatchObject({ field: 'clientId', status: 409 });
    expect(
      (await app.connection.collection('oidc_client').findOne({ _id: 'race-app' as never }))?.payload.client_name,
    ).toBe(winner.body.name);
  });

  it('reports an app its developer registered as such, and leaves its settings and secret to the developer', async () => {
    const iat = await new app.context.provider.InitialAccessToken({ expiresIn: 600, policies: ['relying-app'] }).save();
    const registered = await api()
      .post('/reg')
      .set('Authorization', `Bearer ${iat}`)
      .send({ client_name: 'Developer app', redirect_uris: ['https://dev.example.com/cb'] });
    expect(registered.status).toBe(201);
    const id = registered.body.client_id as string;
    const shown = await api().get(`/api/admin/clients/${id}`).set(asEditor());
    expect(shown.body).toMatchObject({ dynamically_registered: true, first_party: false, kind: 'web' });
    const promoted = await api().patch(`/api/admin/clients/${id}`).set(asEditor()).send({ first_party: true });
    expect(promoted.status).toBe(400);
    expect(promoted.body.error_description).toBe(
      'client: a dynamically registered app is managed by its owner through RFC 7592',
    );
    const rotated = await api().post(`/api/admin/clients/${id}/secret`).set(asEditor());
    expect(rotated.status).toBe(400);
    expect((await api().get(`/api/admin/clients/${id}`).set(asEditor())).body).toMatchObject({
      first_party: false,
      dynamically_registered: true,
    });
    // What an admin may do: switch it off (revoking what it holds), and on again.
    expect((await api().post(`/api/admin/clients/${id}/disable`).set(asEditor())).body).toMatchObject({
      disabled: true,
    });
    expect((await api().post(`/api/admin/clients/${id}/enable`).set(asEditor())).body).toMatchObject({
      disabled: false,
    });
    // The developer cannot make it first-party either: the registration policy strips it.
    const update = await api()
      .put(`/reg/${id}`)
      .set('Authorization', `Bearer ${registered.body.registration_access_token}`)
      .send({
        client_id: id,
        client_name: 'Developer app',
        redirect_uris: ['https://dev.example.com/cb'],
        first_party: true,
        client_secret: registered.body.client_secret,
      });
    expect(update.status).toBe(200);
    expect((await api().get(`/api/admin/clients/${id}`).set(asEditor())).body).toMatchObject({
      first_party: false,
      dynamically_registered: true,
    });
  });
});

describe('operator commands', () => {
  it('never change what the running server relies on, whatever ISSUER they run with', async () => {
    const before = await app.connection.collection('oidc_client').find({ 'payload.internal': true }).toArray();
    expect(before.map((doc) => doc._id).sort()).toEqual(['jmb-account', 'jmb-admin']);
    // What every command does first: build the app's context from its own configuration.
    const config = loadConfig({ NODE_ENV: 'test', ISSUER: 'http://localhost:1', LOG_LEVEL: 'silent' });
    const connection = await connectDatabase(process.env.TEST_MONGODB_URI!, { dbName: app.connection.name });
    try {
      await createAppContext({
        config,
        secrets: testSecrets(),
        connection,
        logger: createLogger('silent'),
        clock: app.context.clock,
      });
    } finally {
      await connection.close();
    }
    const after = await app.connection.collection('oidc_client').find({ 'payload.internal': true }).toArray();
    expect(after).toEqual(before);
    // My account still signs in: its callback is this server's.
    const browser = new Browser();
    const start = await browser.request(`${app.baseUrl}/account/login`);
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${app.issuer}/account/callback`);
    const page = await browser.go(authorize.href);
    expect(page.status).toBe(200);
    expect(page.html.querySelector('form[action$="/login"]')).not.toBeNull();
  });
});
