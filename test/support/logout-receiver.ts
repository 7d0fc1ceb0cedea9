import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';

/**
 * A relying app's back-channel logout endpoint (OpenID Connect Back-Channel Logout 1.0 §2.5) on
 * loopback: it receives logout tokens as the provider really posts them and checks each one as a
 * relying app must (§2.6), against the provider's JWKS, independently of the provider's code.
 */
export interface ReceivedLogout {
  claims: JWTPayload & { sid?: string; events?: Record<string, unknown> };
  typ: string | undefined;
  /** Why the token would be refused by a relying app; undefined when it is valid. */
  problem: string | undefined;
}

export interface LogoutReceiver {
  url: string;
  received: ReceivedLogout[];
  /** Every request, answered or not. */
  requests: number;
  answered: number;
  /** The status answered (200 unless a test makes the app fail). */
  status: number;
  /** Keeps requests waiting until `release` is called. */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

export async function startLogoutReceiver(issuer: string, clientId: () => string): Promise<LogoutReceiver> {
  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
  let gate: Promise<void> | undefined;
  let open = () => {};
  const receiver: LogoutReceiver = {
    url: '',
    received: [],
    requests: 0,
    answered: 0,
    status: 200,
    hold() {
      gate = new Promise((resolve) => {
        open = resolve;
      });
    },
    release() {
      gate = undefined;
      open();
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  async function check(token: string): Promise<ReceivedLogout> {
    try {
      const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer, audience: clientId() });
      const claims = payload as ReceivedLogout['claims'];
      const problem =
        protectedHeader.typ !== 'logout+jwt'
          ? 'typ is not logout+jwt'
          : typeof claims.iat !== 'number' || typeof claims.jti !== 'string'
            ? 'iat or jti missing'
            : typeof claims.events?.[EVENT] !== 'object'
              ? 'no back-channel logout event'
              : !claims.sid && !claims.sub
                ? 'neither sid nor sub'
                : 'nonce' in claims
                  ? 'a nonce is present'
                  : undefined;
      return { claims, typ: protectedHeader.typ, problem };
    } catch (error) {
      return { claims: {}, typ: undefined, problem: (error as Error).message };
    }
  }

  const server = createServer((req, res) => {
    receiver.requests += 1;
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', async () => {
      const token = new URLSearchParams(body).get('logout_token') ?? '';
      receiver.received.push(await check(token));
      if (gate) await gate;
      res.writeHead(receiver.status, { 'cache-control': 'no-store' }).end();
      receiver.answered += 1;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/backchannel-logout`;
  return receiver;
}
