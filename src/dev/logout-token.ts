import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';

/**
 * What a relying app does with a logout token (OpenID Connect Back-Channel Logout 1.0 §2.6),
 * shown by the demo app: the signature against the provider's JWKS, typ logout+jwt, iss, aud,
 * iat and jti, the back-channel logout event, a sid and/or a sub, no nonce, and no jti twice.
 */
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

export interface LogoutRequest {
  sub?: string | undefined;
  sid?: string | undefined;
}

export function logoutTokenVerifier(options: { issuer: string; jwksUri: string; clientId: string }) {
  const jwks = createRemoteJWKSet(new URL(options.jwksUri));
  const seen = new Set<string>();

  return async function verify(token: string): Promise<LogoutRequest> {
    const { payload } = await jwtVerify<JWTPayload & { sid?: unknown; events?: unknown; nonce?: unknown }>(
      token,
      jwks,
      {
        issuer: options.issuer,
        audience: options.clientId,
        typ: 'logout+jwt',
        requiredClaims: ['iat', 'jti'],
        maxTokenAge: '5 minutes',
      },
    );
    const events = payload.events as Record<string, unknown> | undefined;
    if (typeof events?.[EVENT] !== 'object' || events[EVENT] === null) throw new Error('no back-channel logout event');
    if (payload.nonce !== undefined) throw new Error('a logout token has no nonce');
    const sid = typeof payload.sid === 'string' ? payload.sid : undefined;
    if (!sid && !payload.sub) throw new Error('neither sid nor sub');
    if (seen.has(payload.jti!)) throw new Error('logout token replayed');
    seen.add(payload.jti!);
    // A small app keeps the recent ones only; tokens older than maxTokenAge are refused anyway.
    if (seen.size > 1000) seen.delete(seen.values().next().value!);
    return { sub: payload.sub, sid };
  };
}
