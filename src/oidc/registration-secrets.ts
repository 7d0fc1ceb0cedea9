import type { Middleware } from 'koa';
import type { Connection } from 'mongoose';
import { HASHED_SECRET_PREFIX } from '../clients/secrets.js';
import type { Hmac } from '../security/hmac.js';
import { oidcModel } from './adapter.js';

/**
 * Client secrets are only kept as keyed hashes, so RFC 7592 client management needs two
 * adjustments around oidc-provider: a read or update response never carries the stored hash
 * (the secret was shown once, at registration), and an update that repeats the client's secret
 * (RFC 7592 §2.2) is checked against the hash here instead of being compared as plaintext.
 */
const MANAGEMENT = /^\/reg\/([A-Za-z0-9_-]{1,128})$/;
const LIMIT = 56 * 1024;

export function registrationSecrets(connection: Connection, hmac: Hmac): Middleware {
  const clients = oidcModel(connection, 'Client');
  return async (ctx, next) => {
    const match = MANAGEMENT.exec(ctx.path);
    if (!match) return next();
    if (ctx.method === 'PUT' && ctx.is('application/json')) {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of ctx.req) {
        size += (chunk as Buffer).length;
        if (size > LIMIT) ctx.throw(413);
        chunks.push(chunk as Buffer);
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        ctx.status = 400;
        ctx.body = { error: 'invalid_request', error_description: 'failed to parse the request body' };
        return;
      }
      if (typeof body.client_secret === 'string') {
        const stored = (await clients.findById(match[1]).lean())?.payload.client_secret;
        if (typeof stored === 'string' && stored.startsWith(HASHED_SECRET_PREFIX)) {
          // A match is removed (oidc-provider then skips its plaintext comparison); anything else,
          // even the stored hash itself, is made sure to fail that comparison.
          if (hmac.matches('client-secret', body.client_secret, stored.slice(HASHED_SECRET_PREFIX.length)))
            delete body.client_secret;
          else body.client_secret = `${body.client_secret}-does-not-match`;
        }
      }
      ctx.request.body = body;
    }
    await next();
    const response = ctx.body as Record<string, unknown> | undefined;
    if (
      response &&
      typeof response.client_secret === 'string' &&
      response.client_secret.startsWith(HASHED_SECRET_PREFIX)
    ) {
      delete response.client_secret;
    }
  };
}
