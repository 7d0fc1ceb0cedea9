import { createHash, randomBytes } from 'node:crypto';
import type { SoftAuthenticator } from '../test/support/soft-authenticator.js';
import { CookieJar, type HttpClient, localPath, type Response } from './http.js';
import type { Apps, BenchMember } from './provision.js';

/**
 * What a relying app and a member's browser do, request by request, identically against both
 * servers (the reference serves the same paths). One operation is one row of the report: a token
 * request, or a whole sign-in from the authorization request to the tokens.
 */
export interface Target {
  name: 'ours' | 'theirs';
  http: HttpClient;
  apps: Apps;
  /** Added to (or replacing) the authorization request's parameters. */
  authorizationParams: Record<string, string>;
}

/** One simulated user: their member, authenticator, browser and the tokens of their last sign-in. */
export interface Worker {
  member: BenchMember;
  authenticator: SoftAuthenticator;
  /**
   * The member's own browser, reopened for every sign-in: a returning member, as most sign-ins
   * are (the first one from a browser costs a notice mail and a write more).
   */
  browser?: CookieJar;
  tokens?: Tokens;
}

function reopenBrowser(worker: Worker): CookieJar {
  worker.browser = worker.browser?.reopened() ?? new CookieJar();
  return worker.browser;
}

interface Tokens {
  accessToken: string;
  refreshToken: string;
  obtainedAt: number;
}

export const SCOPE = 'openid profile email membership';
/**
 * How an app gets refresh tokens from stock oidc-provider: offline_access, which needs
 * prompt=consent (its login grants it at once, so no extra page). Ours gives first-party apps
 * refresh tokens without it; those expire with the session, which costs a session read.
 */
export const THEIR_AUTHORIZATION = { scope: `${SCOPE} offline_access`, prompt: 'consent' };

export class UnexpectedResponse extends Error {
  constructor(step: string, response: Response) {
    super(`${step}: HTTP ${response.status} ${response.body.replace(/\s+/g, ' ').slice(0, 300)}`);
  }
}

function expectStatus(step: string, response: Response, ...statuses: number[]): Response {
  if (!statuses.includes(response.status)) throw new UnexpectedResponse(step, response);
  return response;
}

async function tokenRequest(
  target: Target,
  form: Record<string, string>,
  client: { id: string; secret: string },
): Promise<Record<string, string>> {
  const response = await target.http.send('/token', { form, basic: client });
  return expectStatus(`token (${form.grant_type})`, response, 200).json<Record<string, string>>();
}

/** The authorization request, up to the page the provider sends the browser to. */
async function authorize(target: Target, jar: CookieJar) {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(12).toString('base64url');
  const query = new URLSearchParams({
    client_id: target.apps.web.id,
    response_type: 'code',
    scope: SCOPE,
    redirect_uri: target.apps.web.redirectUri,
    state,
    nonce: randomBytes(12).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...target.authorizationParams,
  });
  const response = expectStatus('authorize', await target.http.send(`/auth?${query}`, {}, jar), 302, 303);
  const interaction = localPath(response.location);
  const page = expectStatus('sign-in page', await target.http.send(interaction, {}, jar), 200);
  // Ours has CSRF tokens (a form field, and a data attribute for the passkey script); theirs none.
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  return { interaction, csrf, verifier, state };
}

/** From the login's resume URL to the callback, then the code for tokens. */
async function finish(
  target: Target,
  jar: CookieJar,
  resume: string | undefined,
  pending: { verifier: string; state: string },
  worker: Worker,
): Promise<void> {
  const response = expectStatus('resume authorization', await target.http.send(localPath(resume), {}, jar), 302, 303);
  if (!response.location?.startsWith(target.apps.web.redirectUri))
    throw new UnexpectedResponse(`callback expected, got ${response.location}`, response);
  const callback = new URL(response.location).searchParams;
  if (callback.get('state') !== pending.state || !callback.get('code'))
    throw new UnexpectedResponse('callback without code or state', response);
  const { web } = target.apps;
  const tokens = await tokenRequest(
    target,
    {
      grant_type: 'authorization_code',
      code: callback.get('code')!,
      redirect_uri: web.redirectUri,
      code_verifier: pending.verifier,
    },
    web,
  );
  if (!tokens.refresh_token || !tokens.id_token) throw new Error('code exchange without refresh token or ID token');
  worker.tokens = { accessToken: tokens.access_token!, refreshToken: tokens.refresh_token, obtainedAt: Date.now() };
}

async function passwordSignIn(target: Target, worker: Worker): Promise<void> {
  const jar = reopenBrowser(worker);
  const pending = await authorize(target, jar);
  const form = {
    membershipNumber: worker.member.membershipNumber,
    password: worker.member.password,
    ...(pending.csrf ? { _csrf: pending.csrf } : {}),
  };
  const login = expectStatus(
    'password',
    await target.http.send(`${pending.interaction}/login`, { form }, jar),
    302,
    303,
  );
  await finish(target, jar, login.location, pending, worker);
}

/** The login page's passkey autofill: options, the authenticator's assertion, verification. */
async function passkeySignIn(target: Target, worker: Worker): Promise<void> {
  const jar = reopenBrowser(worker);
  const pending = await authorize(target, jar);
  const headers: Record<string, string> = pending.csrf ? { 'x-csrf-token': pending.csrf } : {};
  const options = expectStatus(
    'passkey options',
    await target.http.send(`${pending.interaction}/passkey/options`, { json: { mode: 'autofill' }, headers }, jar),
    200,
  );
  const assertion = worker.authenticator.authenticate(options.json<{ challenge: string; rpId?: string }>());
  const verified = expectStatus(
    'passkey verify',
    await target.http.send(`${pending.interaction}/passkey/verify`, { json: { response: assertion }, headers }, jar),
    200,
  );
  await finish(target, jar, verified.json<{ redirect: string }>().redirect, pending, worker);
}

async function refresh(target: Target, worker: Worker): Promise<void> {
  const tokens = await tokenRequest(
    target,
    { grant_type: 'refresh_token', refresh_token: worker.tokens!.refreshToken },
    target.apps.web,
  );
  worker.tokens = {
    accessToken: tokens.access_token!,
    refreshToken: tokens.refresh_token ?? worker.tokens!.refreshToken,
    obtainedAt: Date.now(),
  };
}

export interface Workload {
  name: string;
  run(target: Target, worker: Worker): Promise<void>;
  /** Untimed, before each round: e.g. access tokens young enough to outlive the round. */
  prepare?(target: Target, worker: Worker): Promise<void>;
}

const freshTokens = async (target: Target, worker: Worker) => {
  if (!worker.tokens) await passwordSignIn(target, worker);
  else if (Date.now() - worker.tokens.obtainedAt > 300_000) await refresh(target, worker);
};

export const WORKLOADS: Workload[] = [
  { name: 'refresh grant', run: refresh, prepare: freshTokens },
  {
    name: 'client credentials',
    run: async (target) => {
      await tokenRequest(target, { grant_type: 'client_credentials' }, target.apps.service);
    },
  },
  {
    name: 'userinfo',
    prepare: freshTokens,
    run: async (target, worker) => {
      const response = expectStatus(
        'userinfo',
        await target.http.send('/me', { bearer: worker.tokens!.accessToken }),
        200,
      );
      if (!response.json().sub) throw new UnexpectedResponse('userinfo without sub', response);
    },
  },
  {
    name: 'introspection',
    prepare: freshTokens,
    run: async (target, worker) => {
      const response = expectStatus(
        'introspection',
        await target.http.send('/token/introspection', {
          form: { token: worker.tokens!.accessToken },
          basic: target.apps.web,
        }),
        200,
      );
      if (response.json().active !== true) throw new UnexpectedResponse('introspection: token not active', response);
    },
  },
  { name: 'password sign-in', run: passwordSignIn },
  { name: 'passkey sign-in', run: passkeySignIn },
];
