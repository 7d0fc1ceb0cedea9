import { interactionPolicy as oidcPolicy } from 'oidc-provider';

/**
 * The prompts oidc-provider stops at, in order: login (no session, prompt=login, max_age,
 * id_token_hint, essential acr claims) then consent.
 */
export function interactionPolicy() {
  return oidcPolicy.base();
}
