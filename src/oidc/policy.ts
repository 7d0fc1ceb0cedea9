import { interactionPolicy as oidcPolicy, type Client, type KoaContextWithOIDC } from 'oidc-provider';
import { isAdminAccount } from '../admin/library.js';
import { ACR_VALUES, parseAcrValues, satisfies } from './acr.js';
import { minAcrOf } from './client-metadata.js';

const { Check } = oidcPolicy;

/** The admin console's client id: the only client admins sign in to, and members never do. */
export const ADMIN_CONSOLE_CLIENT_ID = 'jmb-admin';
export const isAdminConsole = (client: Client | undefined) => client?.clientId === ADMIN_CONSOLE_CLIENT_ID;

/** The known assurance levels a request asks for in acr_values, in its order of preference. */
export function requestedAcrValues(params: Record<string, unknown>): string[] {
  return parseAcrValues(params.acr_values).filter((value) => (ACR_VALUES as string[]).includes(value));
}

/**
 * What a sign-in must reach: the app's minimum level (set by an admin) always, and one of the
 * levels in acr_values if it sent any.
 */
export interface AcrRequirement {
  required: string[];
  anyOf: string[];
}

export function acrRequirement(params: Record<string, unknown>, client: Client | undefined): AcrRequirement {
  const minimum = minAcrOf(client);
  return { required: minimum ? [minimum] : [], anyOf: requestedAcrValues(params) };
}

export function requirementMet(requirement: AcrRequirement, amr: readonly string[]): boolean {
  return requirement.required.every((value) => satisfies(value, amr)) && (requirement.anyOf.length === 0 || requirement.anyOf.some((value) => satisfies(value, amr)));
}

/**
 * The prompts oidc-provider stops at, in order: login (no session, prompt=login, max_age,
 * id_token_hint, essential acr claims, and ours) then consent. Ours:
 * - ACR_CHECK: in oidc-provider acr_values is only voluntary; here a session that does not reach
 *   the requested (or the app's minimum) level is asked for the missing step, and prompt=none
 *   gets login_required;
 * - ACCOUNT_KIND_CHECK: an admin's session never signs in to a member's app, nor a member's to
 *   the admin console.
 */
export const ACR_CHECK = 'acr_values_unmet';
export const ACCOUNT_KIND_CHECK = 'account_kind_mismatch';

export function interactionPolicy() {
  const policy = oidcPolicy.base();
  const login = policy.get('login')!;
  login.checks.push(
    new Check(ACCOUNT_KIND_CHECK, 'the session belongs to another kind of account', 'login_required', (ctx: KoaContextWithOIDC) => {
      const { session, client } = ctx.oidc;
      if (!session?.accountId) return Check.NO_NEED_TO_PROMPT;
      return isAdminAccount(session.accountId) === isAdminConsole(client) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
    }),
    new Check(
      ACR_CHECK,
      'the session does not meet the requested authentication level',
      'login_required',
      (ctx: KoaContextWithOIDC) => {
        const { oidc } = ctx;
        if (!oidc.session?.accountId) return Check.NO_NEED_TO_PROMPT;
        const requirement = acrRequirement(oidc.params as Record<string, unknown>, oidc.client);
        if (requirement.required.length === 0 && requirement.anyOf.length === 0) return Check.NO_NEED_TO_PROMPT;
        const amr = (oidc.session as unknown as { amr?: string[] }).amr ?? [];
        return requirementMet(requirement, amr) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
      },
    ),
  );
  return policy;
}
