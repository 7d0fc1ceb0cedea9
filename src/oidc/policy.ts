import { type KoaContextWithOIDC, interactionPolicy as oidcPolicy } from 'oidc-provider';
import { isAdminAccount } from '../admins/library.js';
import { acrRequirement, requirementMet } from '../assurance/acr.js';
import { isAdminConsole } from '../clients/kinds.js';
import { minAcrOf } from './client-metadata.js';

const { Check } = oidcPolicy;

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
    new Check(
      ACCOUNT_KIND_CHECK,
      'the session belongs to another kind of account',
      'login_required',
      (ctx: KoaContextWithOIDC) => {
        const { session, client } = ctx.oidc;
        if (!session?.accountId) return Check.NO_NEED_TO_PROMPT;
        return isAdminAccount(session.accountId) === isAdminConsole(client)
          ? Check.NO_NEED_TO_PROMPT
          : Check.REQUEST_PROMPT;
      },
    ),
    new Check(
      ACR_CHECK,
      'the session does not meet the requested authentication level',
      'login_required',
      (ctx: KoaContextWithOIDC) => {
        const { oidc } = ctx;
        if (!oidc.session?.accountId) return Check.NO_NEED_TO_PROMPT;
        const requirement = acrRequirement(oidc.params as Record<string, unknown>, minAcrOf(oidc.client));
        if (requirement.required.length === 0 && requirement.anyOf.length === 0) return Check.NO_NEED_TO_PROMPT;
        const amr = (oidc.session as unknown as { amr?: string[] }).amr ?? [];
        return requirementMet(requirement, amr) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
      },
    ),
  );
  return policy;
}
