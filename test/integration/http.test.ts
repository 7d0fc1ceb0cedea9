import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startTestApp, type TestApp, uniqueDbName } from '../support/app.js';
import { Browser, textOf } from '../support/browser.js';
import { authorizationUrl, discoverRp } from '../support/rp.js';

/** What every response carries: security headers, cookie flags, probes, and the 404 page. */
let app: TestApp;
let behindProxy: TestApp;
const REDIRECT = 'https://rp.example.com/cb';

beforeAll(async () => {
  app = await startTestApp({ dbName: uniqueDbName('http') });
  behindProxy = await startTestApp({
    dbName: uniqueDbName('http-proxy'),
    issuer: 'https://id.example.com',
    env: { TRUST_PROXY: 'true' },
  });
});

afterAll(async () => {
  await behindProxy?.close();
  await app?.close();
});

async function loginPage(target: TestApp, headers: Record<string, string> = {}) {
  const client = await target.context.clients.create({
    name: 'Web',
    kind: 'web',
    redirectUris: [REDIRECT],
    firstParty: true,
  });
  const browser = new Browser();
  browser.headers = headers;
  const auth = new URL(`${target.baseUrl}/auth`);
  auth.search = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'openid',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
  }).toString();
  const first = await browser.request(auth.href);
  return { browser, first };
}

describe('security headers', () => {
  it('sends a nonce-based CSP and framing, sniffing and referrer protections on our pages', async () => {
    const response = await request(app.server).get('/');
    expect(response.status).toBe(200);
    const csp = response.headers['content-security-policy']!;
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{24}'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['strict-transport-security']).toBeUndefined();

    const again = await request(app.server).get('/');
    expect(again.headers['content-security-policy']).not.toBe(csp); // a fresh nonce per response
  });

  it('sends the protections any response needs on the protocol’s JSON endpoints', async () => {
    const response = await request(app.server).get('/.well-known/openid-configuration');
    expect(response.status).toBe(200);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['content-security-policy']).toBeUndefined();
  });

  it('marks the interaction and CSRF cookies HttpOnly and SameSite=Lax', async () => {
    const { browser, first } = await loginPage(app);
    const cookies = first.headers.getSetCookie();
    expect(cookies.some((c) => c.startsWith('jmb_interaction='))).toBe(true);
    for (const cookie of cookies) {
      expect(cookie.toLowerCase()).toContain('httponly');
      expect(cookie.toLowerCase()).toContain('samesite=lax');
      expect(cookie.toLowerCase()).not.toContain('secure');
    }
    const page = await browser.go(new URL(first.headers.get('location')!, first.url).href);
    expect(page.status).toBe(200);
  });

  it('behind a TLS-terminating proxy, sets Secure cookies and HSTS and builds https URLs', async () => {
    const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'id.example.com' };
    const { first } = await loginPage(behindProxy, headers);
    expect(first.status).toBe(303);
    for (const cookie of first.headers.getSetCookie()) expect(cookie.toLowerCase()).toContain('secure');
    expect(first.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);

    const discovery = await request(behindProxy.server).get('/.well-known/openid-configuration').set(headers);
    expect(discovery.body.authorization_endpoint).toBe('https://id.example.com/auth');
  });
});

describe('probes and fallbacks', () => {
  it('answers /healthz and /readyz', async () => {
    expect((await request(app.server).get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await request(app.server).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok', database: 'ok' });
  });

  it('reports not ready when the database is unreachable', async () => {
    const separate = await startTestApp({ dbName: uniqueDbName('http-ready') });
    try {
      await separate.connection.close();
      const ready = await request(separate.server).get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.database).toBe('unreachable');
      expect((await request(separate.server).get('/healthz')).status).toBe(200);
    } finally {
      separate.server.close();
    }
  });

  it('shows a localised 404 page', async () => {
    const browser = new Browser();
    browser.headers['accept-language'] = 'en-GB,en;q=0.9';
    const page = await browser.request(`${app.baseUrl}/no/such/page`);
    expect(page.status).toBe(404);
    expect(textOf(page, '[role=alert]')).toBe('The page you requested could not be found.');
    const ja = await new Browser().request(`${app.baseUrl}/no/such/page`);
    expect(textOf(ja, '[role=alert]')).toBe('お探しのページが見つかりません。');
  });

  it('answers JSON errors on API paths', async () => {
    const response = await request(app.server).get('/api/nothing');
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: 'not_found', error_description: expect.any(String) });
  });

  it('only follows same-site paths after switching language', async () => {
    for (const target of ['https://evil.example/', '//evil.example/', '/\\evil.example']) {
      const response = await request(app.server).get('/lang/en').query({ return: target });
      expect(response.status).toBe(303);
      expect(response.headers.location).toBe('/');
    }
    const ok = await request(app.server).get('/lang/en').query({ return: '/interaction/abc' });
    expect(ok.headers.location).toBe('/interaction/abc');
    expect(ok.headers['set-cookie']![0]).toMatch(/^lang=en;/);
  });

  it('never shows a stack trace for a broken request', async () => {
    const response = await request(app.server)
      .post('/interaction/abcdefghij/login')
      .set('content-type', 'application/x-www-form-urlencoded')
      .send('%%%');
    expect(response.status).toBe(400);
    expect(response.text).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe('discovery behind the relying party', () => {
  it('is reachable through openid-client', async () => {
    const client = await app.context.clients.create({ name: 'Web', kind: 'web', redirectUris: [REDIRECT] });
    const rp = await discoverRp(app.issuer, { ...client, redirectUri: REDIRECT });
    expect((await authorizationUrl(rp)).url).toMatch(new RegExp(`^${app.issuer}/auth\\?`));
  });
});

describe('the development outbox', () => {
  it('lists what would have been sent, outside production only', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const outboxFile = join(mkdtempSync(join(tmpdir(), 'outbox-')), 'outbox.jsonl');
    const dev = await startTestApp({ dbName: uniqueDbName('http-outbox'), env: { OUTBOX_FILE: outboxFile } });
    try {
      await dev.context.messenger.sendEmail('someone@example.jp', 'Subject line', 'Body with 123456');
      await dev.context.messenger.sendSms('+819012345678', 'SMS body 654321');
      const browser = new Browser();
      browser.headers['accept-language'] = 'en';
      const page = await browser.request(`${dev.baseUrl}/dev/outbox`);
      expect(page.status).toBe(200);
      const texts = page.html.querySelectorAll('article pre').map((pre) => pre.text);
      expect(texts).toEqual(['SMS body 654321', 'Body with 123456']);
    } finally {
      await dev.close();
    }
  });
});
