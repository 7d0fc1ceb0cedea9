import { interactionPolicy as oidcPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { ACR_VALUES, parseAcrValues, satisfies } from './acr.js';

const { Check } = oidcPolicy;

/** The known assurance levels a request asks for in acr_values, in its order of preference. */
export function requestedAcrValues(params: Record<string, unknown>): string[] {
  return parseAcrValues(params.acr_values).filter((value) => (ACR_VALUES as string[]).includes(value));
}

/**
 * The prompts oidc-provider stops at, in order: login (no session, prompt=login, max_age,
 * id_token_hint, essential acr claims, and ours: acr_values) then consent.
 *
 * In oidc-provider acr_values is only voluntary. Our check makes a session that does not reach
 * any requested level ask for a login again (or answer login_required to prompt=none); the
 * login step then runs only what is missing (e.g. the one-time password).
 */
export const ACR_CHECK = 'acr_values_unmet';

export function interactionPolicy() {
  const policy = oidcPolicy.base();
  const login = policy.get('login')!;
  login.checks.push(
    new Check(
      ACR_CHECK,
      'the session does not meet any requested authentication level',
      'login_required',
      (ctx: KoaContextWithOIDC) => {
        const { oidc } = ctx;
        const requested = requestedAcrValues(oidc.params as Record<string, unknown>);
        if (requested.length === 0 || !oidc.session?.accountId) return Check.NO_NEED_TO_PROMPT;
        const amr = (oidc.session as unknown as { amr?: string[] }).amr ?? [];
        return requested.some((value) => satisfies(value, amr)) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
      },
      (ctx: KoaContextWithOIDC) => ({ acr_values: requestedAcrValues(ctx.oidc.params as Record<string, unknown>) }),
    ),
  );
  return policy;
}
