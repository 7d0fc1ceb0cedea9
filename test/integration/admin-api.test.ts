import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import Router from '@koa/router';
import { exportJWK, generateKeyPair } from 'jose';
import request from 'supertest';
import { registerAdminApi } from '../../src/admin/api/routes.js';
import { adminApiResource } from '../../src/oidc/provider.js';
import { serviceToken } from '../support/admin-api.js';
import { memberModel, startTestApp, type TestApp, uniqueDbName } from '../support/app.js';
import { Browser } from '../support/browser.js';
import { type DeliveryStandIns, startDeliveryStandIns } from '../support/delivery.js';
import {
  authorizationUrl,
  discoverRp,
  exchangeCode,
  firstPartyWebRp,
  oidc,
  passwordLogin,
  type RelyingParty,
} from '../support/rp.js';

/**
 * The admin API with service clients (client credentials): who may call it, validation of every
 * client field, secrets shown once, revocation on delete and disable, member administration,
 * dynamic registration behind initial access tokens, and the audit trail.
 */
let app: TestApp;
let delivery: DeliveryStandIns;
let editorToken = '';
let viewerToken = '';
let memberRp: RelyingParty;
const member = { id: '', number: '', password: 'admin api member password', email: 'admin.api@example.jp' };
const CALLBACK = 'https://rp.example.com/cb';

const api = () => request(app.server);
const as = (token: string) => ({ Authorization: `Bearer ${token}` });

async function memberSignIn(rp: RelyingParty, browser = new Browser()) {
  const pending = await authorizationUrl(rp, { scope: 'openid email offline_access' });
  const { callback } = await passwordLogin(
    browser,
    rp,
    { membershipNumber: member.number, password: member.password },
    pending,
  );
  return exchangeCode(rp, callback, pending);
}

beforeAll(async () => {
  delivery = await startDeliveryStandIns();
  app = await startTestApp({ dbName: uniqueDbName('admin-api'), env: delivery.env });
  const m = await app.context.members.create({
    familyName: 'Api',
    givenName: 'Member',
    email: member.email,
    countryOfResidence: 'GB',
    password: member.password,
    locale: 'en',
  });
  Object.assign(member, { id: m._id, number: m.membershipNumber });
  editorToken = await serviceToken(app, 'editor', 'admin:read admin:write');
  viewerToken = await serviceToken(app, 'viewer', 'admin:read admin:write');
  memberRp = await firstPartyWebRp(app, CALLBACK, 'Member app');
});

afterAll(async () => {
  await app?.close();
  await delivery?.close();
});

beforeEach(async () => {
  await app.connection.collection('rate_limits').deleteMany({});
});

describe('who may call the admin API', () => {
  it('refuses a request without a token', async () => {
    const response = await api().get('/api/admin/clients');
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('invalid_token');
    expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="admin", error="invalid_token"/);
  });

  it('refuses a member’s access token', async () => {
    const tokens = await memberSignIn(memberRp);
    const response = await api().get('/api/admin/clients').set(as(tokens.access_token));
    expect(response.status).toBe(401);
    expect(response.body.error_description).toBe('the token was not issued for the admin API');
  });

  it('never issues a token for the admin API to a member’s app', async () => {
    const rpClient = await app.context.clients.create({ name: 'Another app', kind: 'web', redirectUris: [CALLBACK] });
    const token = await request(app.server)
      .post('/token')
      .auth(rpClient.clientId, rpClient.clientSecret!)
      .type('form')
      .send({ grant_type: 'client_credentials', resource: adminApiResource(app.issuer), scope: 'admin:read' });
    expect(token.status).toBe(400);
    expect(token.body).not.toHaveProperty('access_token');
  });

  it('refuses a token without the admin scope', async () => {
    const noScope = await serviceToken(app, 'editor', 'openid');
    const response = await api().get('/api/admin/clients').set(as(noScope));
    expect(response.status).toBe(403);
    expect(response.body.error).toBe('insufficient_scope');
  });

  it('lets a viewer read but not change', async () => {
    expect((await api().get('/api/admin/clients').set(as(viewerToken))).status).toBe(200);
    const response = await api()
      .post('/api/admin/clients')
      .set(as(viewerToken))
      .send({ name: 'X', kind: 'spa', redirect_uris: ['https://x.example/cb'] });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({
      error: 'insufficient_scope',
      error_description: 'the token lacks the admin:write scope',
    });
  });

  it('refuses a revoked token', async () => {
    const token = await serviceToken(app, 'viewer', 'admin:read');
    await app.connection.collection('oidc_client_credentials').deleteMany({});
    expect((await api().get('/api/admin/clients').set(as(token))).status).toBe(401);
    editorToken = await serviceToken(app, 'editor', 'admin:read admin:write');
    viewerToken = await serviceToken(app, 'viewer', 'admin:read admin:write');
  });
});

describe('client applications', () => {
  it.each([
    [{}, 'name'],
    [{ name: 'X', kind: 'desktop', redirect_uris: ['https://x.example/cb'] }, 'kind'],
    [{ name: 'X', kind: 'web', redirect_uris: [] }, 'redirect_uris'],
    [{ name: 'X', kind: 'web', redirect_uris: ['http://x.example/cb'] }, 'redirect_uris'],
    [{ name: 'X', kind: 'web', redirect_uris: ['https://x.example/cb#frag'] }, 'redirect_uris'],
    [{ name: 'X', kind: 'native', redirect_uris: ['myapp:/cb'] }, 'redirect_uris'],
    [
      {
        name: 'X',
        kind: 'web',
        redirect_uris: ['https://x.example/cb'],
        post_logout_redirect_uris: ['ftp://x.example/'],
      },
      'post_logout_redirect_uris',
    ],
    [{ name: 'X', kind: 'web', redirect_uris: ['https://x.example/cb'], min_acr: 'urn:other' }, 'min_acr'],
    [{ name: 'X', kind: 'web', redirect_uris: ['https://x.example/cb'], access_token_ttl: 5 }, 'access_token_ttl'],
    [
      { name: 'X', kind: 'web', redirect_uris: ['https://x.example/cb'], refresh_token_ttl: 10 ** 9 },
      'refresh_token_ttl',
    ],
    [{ name: 'X', kind: 'web', redirect_uris: ['https://x.example/cb'], scopes: ['openid', 'admin'] }, 'scopes.1'],
    [
      { name: 'X', kind: 'web', redirect_uris: ['https://x.example/cb'], grant_types: ['refresh_token'] },
      'grant_types',
    ],
    [{ name: 'X', kind: 'web', redirect_uris: ['https://x.example/cb'], admin_role: 'editor' }, 'admin_role'],
    [{ name: 'X', kind: 'service' }, 'admin_role'],
    [
      {
        name: 'X',
        kind: 'web',
        redirect_uris: ['https://x.example/cb'],
        token_endpoint_auth_method: 'private_key_jwt',
      },
      'jwks_uri',
    ],
    [
      {
        name: 'X',
        kind: 'spa',
        redirect_uris: ['https://x.example/cb'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      'token_endpoint_auth_method',
    ],
    [{ name: 'X', kind: 'web', redirect_uris: ['https://x.example/cb'], colour: 'red' }, 'colour'],
    [{ name: 'X', kind: 'web', redirect_uris: ['https://x.example/cb'], client_id: 'has.dots' }, 'client_id'],
  ])('refuses %j, naming %s, and stores nothing', async (input, field) => {
    const before = await app.connection.collection('oidc_client').countDocuments();
    const response = await api().post('/api/admin/clients').set(as(editorToken)).send(input);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_client_metadata');
    expect(response.body.field).toBe(field);
    expect(response.body.error_description).toMatch(new RegExp(`^${field.replace('.', '\\.')}: .+`));
    expect(await app.connection.collection('oidc_client').countDocuments()).toBe(before);
  });

  it('shows the secret once, keeps only a hash, and rotates it', async () => {
    const created = await api()
      .post('/api/admin/clients')
      .set(as(editorToken))
      .send({
        name: 'Mileage Mall',
        kind: 'web',
        redirect_uris: [CALLBACK],
        first_party: true,
        min_acr: 'urn:jmb:acr:otp',
        access_token_ttl: 300,
      });
    expect(created.status).toBe(201);
    const { client_id: clientId, client_secret: secret } = created.body;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.body).toMatchObject({
      kind: 'web',
      first_party: true,
      min_acr: 'urn:jmb:acr:otp',
      access_token_ttl: 300,
      disabled: false,
    });

    const shown = await api().get(`/api/admin/clients/${clientId}`).set(as(viewerToken));
    expect(shown.body).not.toHaveProperty('client_secret');
    const stored = await app.connection.collection('oidc_client').findOne({ _id: clientId as never });
    expect(JSON.stringify(stored)).not.toContain(secret);

    const introspect = (s: string) =>
      request(app.server).post('/token/introspection').auth(clientId, s).type('form').send({ token: 'x' });
    expect((await introspect(secret)).status).toBe(200);
    const rotated = await api().post(`/api/admin/clients/${clientId}/secret`).set(as(editorToken));
    expect(rotated.body.client_secret).not.toBe(secret);
    expect((await introspect(secret)).status).toBe(401);
    expect((await introspect(rotated.body.client_secret)).status).toBe(200);
  });

  it('edits a client, keeping what was not changed', async () => {
    const created = await api()
      .post('/api/admin/clients')
      .set(as(editorToken))
      .send({ name: 'Before', kind: 'native', redirect_uris: ['jp.example.app:/cb'] });
    const changed = await api()
      .patch(`/api/admin/clients/${created.body.client_id}`)
      .set(as(editorToken))
      .send({ name: 'After', redirect_uris: ['jp.example.app:/cb', 'http://127.0.0.1/cb'] });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      name: 'After',
      kind: 'native',
      token_endpoint_auth_method: 'none',
      redirect_uris: ['jp.example.app:/cb', 'http://127.0.0.1/cb'],
    });
    const refused = await api()
      .patch(`/api/admin/clients/${created.body.client_id}`)
      .set(as(editorToken))
      .send({ kind: 'web' });
    expect(refused.body.field).toBe('kind');
    expect((await api().patch('/api/admin/clients/nope-nope').set(as(editorToken)).send({ name: 'x' })).status).toBe(
      404,
    );
  });

  it('signs a member in for an app registered through the API; deleting the app revokes its tokens', async () => {
    const created = await api()
      .post('/api/admin/clients')
      .set(as(editorToken))
      .send({ name: 'Via API', kind: 'web', redirect_uris: [CALLBACK], first_party: true });
    const rp = await discoverRp(app.issuer, {
      clientId: created.body.client_id,
      clientSecret: created.body.client_secret,
      redirectUri: CALLBACK,
    });
    const tokens = await memberSignIn(rp);
    expect((await oidc.fetchUserInfo(rp.config, tokens.access_token, member.id)).email).toBe(member.email);

    expect((await api().delete(`/api/admin/clients/${created.body.client_id}`).set(as(editorToken))).status).toBe(204);
    expect(await app.context.provider.AccessToken.find(tokens.access_token)).toBeUndefined();
    expect(await app.context.provider.RefreshToken.find(tokens.refresh_token!)).toBeUndefined();
    expect((await api().get(`/api/admin/clients/${created.body.client_id}`).set(as(viewerToken))).status).toBe(404);
    const audit = await app.connection
      .collection('audit_events')
      .find({ clientId: created.body.client_id })
      .sort({ at: 1 })
      .toArray();
    expect(audit.map((e) => e.type)).toEqual(expect.arrayContaining(['client.created', 'client.deleted']));
    expect(audit.find((e) => e.type === 'client.deleted')?.actor).toMatch(/^client:/);
  });

  it('registers a web app that authenticates with private_key_jwt, which then signs a member in', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), alg: 'ES256', use: 'sig', kid: 'app-key-1' };
    const created = await api()
      .post('/api/admin/clients')
      .set(as(editorToken))
      .send({
        name: 'Key app',
        kind: 'web',
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [jwk] },
        redirect_uris: [CALLBACK],
        first_party: true,
      });
    expect(created.status).toBe(201);
    expect(created.body).not.toHaveProperty('client_secret');
    expect(created.body.token_endpoint_auth_method).toBe('private_key_jwt');
    const config = await oidc.discovery(
      new URL(app.issuer),
      created.body.client_id,
      undefined,
      oidc.PrivateKeyJwt({ key: privateKey, kid: 'app-key-1' }),
      {
        execute: [oidc.allowInsecureRequests],
      },
    );
    const rp = { config, clientId: created.body.client_id, redirectUri: CALLBACK };
    expect((await memberSignIn(rp)).claims()!.sub).toBe(member.id);
  });

  it('disabling an app revokes its tokens and refuses sign-ins until it is enabled again', async () => {
    const created = await api()
      .post('/api/admin/clients')
      .set(as(editorToken))
      .send({ name: 'Switch', kind: 'web', redirect_uris: [CALLBACK], first_party: true });
    const rp = await discoverRp(app.issuer, {
      clientId: created.body.client_id,
      clientSecret: created.body.client_secret,
      redirectUri: CALLBACK,
    });
    const tokens = await memberSignIn(rp);
    const disabled = await api().post(`/api/admin/clients/${created.body.client_id}/disable`).set(as(editorToken));
    expect(disabled.body.disabled).toBe(true);
    expect(await app.context.provider.AccessToken.find(tokens.access_token)).toBeUndefined();
    const pending = await authorizationUrl(rp);
    const page = await new Browser().request(pending.url);
    expect(page.status).toBe(400);
    await api().post(`/api/admin/clients/${created.body.client_id}/enable`).set(as(editorToken));
    expect((await memberSignIn(rp)).claims()!.sub).toBe(member.id);
  });

  it('lists clients without their secrets', async () => {
    const response = await api().get('/api/admin/clients').set(as(viewerToken));
    expect(response.body.clients.length).toBeGreaterThan(2);
    expect(JSON.stringify(response.body)).not.toMatch(/"client_secret"|hmac-sha256/);
    expect(response.body.clients.some((c: { client_id: string }) => c.client_id === 'jmb-account')).toBe(false);
  });
});

describe('dynamic registration (RFC 7591/7592)', () => {
  it('needs an initial access token issued by an admin', async () => {
    const refused = await request(app.server)
      .post('/reg')
      .send({ redirect_uris: [CALLBACK] });
    expect(refused.status).toBe(401);

    const issued = await api().post('/api/admin/initial-access-tokens').set(as(editorToken)).send({ expires_in: 3600 });
    expect(issued.status).toBe(201);
    const registered = await request(app.server)
      .post('/reg')
      .set('Authorization', `Bearer ${issued.body.initial_access_token}`)
      .send({ client_name: 'Partner hotel', redirect_uris: [CALLBACK], first_party: true, admin_role: 'editor' });
    expect(registered.status).toBe(201);
    const {
      client_id: clientId,
      client_secret: secret,
      registration_access_token: rat,
      registration_client_uri: uri,
    } = registered.body;
    expect(secret).toEqual(expect.any(String));
    expect(registered.body).not.toHaveProperty('first_party');
    expect(registered.body).not.toHaveProperty('admin_role');

    // A self-registered app is third-party: the member is asked for consent, then signed in.
    const rp = await discoverRp(app.issuer, { clientId, clientSecret: secret, redirectUri: CALLBACK });
    expect((await memberSignIn(rp)).claims()!.sub).toBe(member.id);

    // RFC 7592: reading never returns the stored secret; an update may repeat it.
    const path = new URL(uri).pathname;
    const read = await request(app.server).get(path).set('Authorization', `Bearer ${rat}`);
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('client_secret');
    const update = await request(app.server)
      .put(path)
      .set('Authorization', `Bearer ${rat}`)
      .send({
        client_id: clientId,
        client_secret: secret,
        client_name: 'Partner hotel (renamed)',
        redirect_uris: [CALLBACK],
      });
    expect(update.status).toBe(200);
    expect(update.body.client_name).toBe('Partner hotel (renamed)');
    const wrongSecret = await request(app.server)
      .put(path)
      .set('Authorization', `Bearer ${update.body.registration_access_token}`)
      .send({ client_id: clientId, client_secret: 'not-the-secret', redirect_uris: [CALLBACK] });
    expect(wrongSecret.status).toBe(400);

    const audit = await app.connection
      .collection('audit_events')
      .find({ clientId, actor: 'dynamic-registration' })
      .sort({ at: 1 })
      .toArray();
    expect(audit.map((e) => e.type)).toEqual(['client.created', 'client.changed']);
  });

  it('applies the same redirect URI rules', async () => {
    const issued = await api().post('/api/admin/initial-access-tokens').set(as(editorToken)).send({});
    const refused = await request(app.server)
      .post('/reg')
      .set('Authorization', `Bearer ${issued.body.initial_access_token}`)
      .send({ redirect_uris: ['https://x.example/cb#fragment'] });
    expect(refused.status).toBe(400);
  });
});

describe('members', () => {
  it('finds a member by membership number, with status and passkeys', async () => {
    const found = await api()
      .get('/api/admin/members')
      .query({ membership_number: member.number })
      .set(as(viewerToken));
    expect(found.body.members).toHaveLength(1);
    expect(found.body.members[0]).toMatchObject({ id: member.id, status: 'active', passkeys: [], has_password: true });
    expect(found.body.members[0]).not.toHaveProperty('passwordHash');
    const none = await api().get('/api/admin/members').query({ membership_number: '100000009' }).set(as(viewerToken));
    expect(none.body.members).toEqual([]);
    const bad = await api().get('/api/admin/members').query({ membership_number: 'abc' }).set(as(viewerToken));
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('membership_number');
  });

  it('locks (ending sessions and tokens) and unlocks a member', async () => {
    const tokens = await memberSignIn(memberRp);
    const locked = await api().post(`/api/admin/members/${member.id}/lock`).set(as(editorToken));
    expect(locked.body.status).toBe('locked');
    expect(await app.context.provider.AccessToken.find(tokens.access_token)).toBeUndefined();
    await expect(memberSignIn(memberRp)).rejects.toThrow(/did not reach the callback|no form/);
    await api().post(`/api/admin/members/${member.id}/unlock`).set(as(editorToken));
    expect((await memberSignIn(memberRp)).claims()!.sub).toBe(member.id);
    const types = (
      await app.connection
        .collection('audit_events')
        .find({ memberId: member.id, type: /^member\./ })
        .sort({ at: 1 })
        .toArray()
    ).map((e) => e.type);
    expect(types).toEqual(['member.locked', 'member.unlocked']);
  });

  it('ends all of a member’s sessions', async () => {
    const browser = new Browser();
    const tokens = await memberSignIn(memberRp, browser);
    const ended = await api().post(`/api/admin/members/${member.id}/sessions/revoke`).set(as(editorToken));
    expect(ended.body.sessions).toBeGreaterThanOrEqual(1);
    await expect(oidc.refreshTokenGrant(memberRp.config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const silent = await authorizationUrl(memberRp, { prompt: 'none' });
    const page = await browser.go(silent.url, { stopAt: (url) => url.startsWith(CALLBACK) });
    expect(new URL(page.url).searchParams.get('error')).toBe('login_required');
  });

  it('changes the e-mail address on the member’s behalf and tells the member', async () => {
    const refused = await api()
      .patch(`/api/admin/members/${member.id}/contact`)
      .set(as(editorToken))
      .send({ email: 'ab..cd@example.jp' });
    expect(refused.status).toBe(400);
    expect(refused.body.field).toBe('email');
    const changed = await api()
      .patch(`/api/admin/members/${member.id}/contact`)
      .set(as(editorToken))
      .send({ email: 'new.address@example.co.uk' });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ email: 'new.address@example.co.uk', email_verified: true });
    expect(delivery.smtp.lastTo(member.email)?.subject).toBe('Your JMB e-mail address was changed');
    expect(delivery.smtp.lastTo('new.address@example.co.uk')?.subject).toBe('Your JMB e-mail address was changed');
    const audit = await app.connection
      .collection('audit_events')
      .findOne({ type: 'profile.email_changed', memberId: member.id });
    expect(audit).toMatchObject({
      actor: expect.stringMatching(/^client:/),
      detail: { from: 'a***@example.jp', to: 'n***@example.co.uk', by: 'admin' },
    });
    await memberModel(app).updateOne({ _id: member.id }, { $set: { email: member.email } });
  });

  it('answers 404 for an unknown member', async () => {
    expect(
      (await api().get('/api/admin/members/00000000-0000-0000-0000-000000000000').set(as(viewerToken))).status,
    ).toBe(404);
  });
});

describe('the audit trail', () => {
  it('filters by member, type and time, newest first, with origin', async () => {
    const all = await api().get('/api/admin/audit').query({ member_id: member.id }).set(as(viewerToken));
    expect(all.status).toBe(200);
    const types = all.body.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(['login.password', 'member.locked', 'profile.email_changed']));
    const times = all.body.events.map((e: { at: string }) => e.at);
    expect([...times].sort().reverse()).toEqual(times);
    expect(all.body.events.every((e: { ip?: string }) => typeof e.ip === 'string')).toBe(true);

    const logins = await api()
      .get('/api/admin/audit')
      .query({ member_id: member.id, type: 'login.password' })
      .set(as(viewerToken));
    expect(logins.body.events.every((e: { type: string }) => e.type === 'login.password')).toBe(true);
    const future = await api()
      .get('/api/admin/audit')
      .query({ from: new Date(Date.now() + 3600_000).toISOString() })
      .set(as(viewerToken));
    expect(future.body.events).toEqual([]);
    const page = await api().get('/api/admin/audit').query({ limit: 2 }).set(as(viewerToken));
    expect(page.body.events).toHaveLength(2);
    const next = await api()
      .get('/api/admin/audit')
      .query({ limit: 2, before: page.body.next_before })
      .set(as(viewerToken));
    expect(next.body.events[0].at <= page.body.events[1].at).toBe(true);
    const bad = await api().get('/api/admin/audit').query({ from: 'yesterday' }).set(as(viewerToken));
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('from');
  });
});

describe('the OpenAPI document', () => {
  it('describes every admin API route', async () => {
    const doc = (await api().get('/api/admin/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers[0].url).toBe(`${app.issuer}/api/admin`);
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => m !== 'parameters')
        .map((m) => `${m.toUpperCase()} /api/admin${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    // The routes as registered (a fresh router with the real registrar), minus the document itself.
    const router = new Router();
    registerAdminApi(router, app.context);
    const routes = router.stack
      .flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${layer.path}`))
      .filter((route) => !route.endsWith('/openapi.json'));
    expect(documented.sort()).toEqual(routes.sort());
  });
});
