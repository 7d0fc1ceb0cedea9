import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { formatJst } from '../i18n/index.js';

/**
 * The JSON edge of the passkey ceremonies: bodies are validated before they reach the library,
 * errors are OAuth-style JSON with a localised description, CSRF comes in a header.
 */

const b64url = z
  .string()
  .regex(/^[A-Za-z0-9_-]*$/)
  .max(16_384);

/** A PublicKeyCredential as @simplewebauthn/browser sends it, with the ceremony's own response. */
const credential = <T extends z.ZodRawShape>(response: T) =>
  z.object({
    response: z.object({
      id: b64url.min(1),
      rawId: b64url.min(1),
      type: z.literal('public-key'),
      response: z.object({ clientDataJSON: b64url, ...response }),
      authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
      clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
    }),
  });

const authenticationSchema = credential({
  authenticatorData: b64url,
  signature: b64url,
  userHandle: b64url.optional(),
});

const registrationSchema = credential({
  attestationObject: b64url,
  transports: z.array(z.string().max(32)).max(10).optional(),
  authenticatorData: b64url.optional(),
  publicKey: b64url.optional(),
  publicKeyAlgorithm: z.number().optional(),
});

export function parseAuthentication(ctx: Context): AuthenticationResponseJSON {
  const parsed = authenticationSchema.safeParse(ctx.request.body);
  if (!parsed.success) throw new AppError('passkey.error.failed', { detail: 'malformed authentication response' });
  return parsed.data.response as AuthenticationResponseJSON;
}

export function parseRegistration(ctx: Context): RegistrationResponseJSON {
  const parsed = registrationSchema.safeParse(ctx.request.body);
  if (!parsed.success) throw new AppError('passkey.register.failed', { detail: 'malformed registration response' });
  return parsed.data.response as RegistrationResponseJSON;
}

/** An OAuth-style JSON refusal with a message the member can read (already translated). */
export function jsonError(ctx: Context, status: number, message: string, extra: Record<string, unknown> = {}): void {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { error: status === 429 ? 'slow_down' : 'invalid_request', error_description: message, ...extra };
}

/**
 * The per-network budget for sign-in passkey options (members' and admins'): false, with the 429
 * already answered and counted, once it is spent.
 */
export async function passkeyOptionsAllowed(ctx: Context, app: AppContext): Promise<boolean> {
  const limit = await app.limiter.hit(
    `passkey-options:${app.hmac.digest('rate-limit', ctx.ip)}`,
    app.config.passkey.optionsPerIpPerHour,
    3600,
  );
  if (limit.allowed) return true;
  app.metrics.refused('passkey_options');
  jsonError(ctx, 429, ctx.state.t('passkey.error.tooMany'));
  return false;
}

export function jsonOk(ctx: Context, body: unknown): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}

/** "Passkey (22 Nov 2026)" in the page's language, for authenticators the table does not know. */
export function defaultPasskeyName(ctx: Context, clock: Clock): (aaguid: string) => string {
  return () =>
    ctx.state.t('passkey.defaultName', { date: formatJst(ctx.state.locale, clock.now(), { dateStyle: 'medium' }) });
}
