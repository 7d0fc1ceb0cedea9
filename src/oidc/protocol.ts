import type { Middleware } from 'koa';
import mount from 'koa-mount';
import type { Connection } from 'mongoose';
import type Provider from 'oidc-provider';
import type { Hmac } from '../security/hmac.js';
import { registrationSecrets } from './registration-secrets.js';
import type { SignIns } from './sign-ins.js';

/**
 * oidc-provider's protocol endpoints (/auth, /token, /me, /jwks, /reg, …) as one middleware for
 * the app, with what we put around them.
 */
export function protocolEndpoints(
  provider: Provider,
  deps: { connection: Connection; hmac: Hmac; signIns: SignIns },
): Middleware {
  const secrets = registrationSecrets(deps.connection, deps.hmac);
  const signIns = deps.signIns.middleware;
  const endpoints = mount(provider);
  return (ctx, next) => signIns(ctx, () => secrets(ctx, () => endpoints(ctx, next)));
}
