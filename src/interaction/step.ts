import type { Context } from 'koa';
import type { Client, Interaction } from 'oidc-provider';
import { ACR, type AcrRequirement, acrRequirement, chooseAcr, satisfies } from '../assurance/acr.js';
import { type CodeFlow, codeFlow, memberDestination } from '../code-flow/flow.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { csrfToken } from '../http/csrf.js';
import type { Member } from '../members/model.js';
import type { SignInMethod } from '../observability/metrics.js';
import { minAcrOf } from '../oidc/client-metadata.js';
import { ACR_CHECK } from '../oidc/policy.js';
import { alternativeFor } from '../otp/destination.js';
import type { OtpPurpose } from '../otp/model.js';
import { clientName } from './details.js';
import { noticeNewBrowser } from './new-browser.js';

/**
 * The shape every sign-in step has (one file each under steps/, listed in one table in
 * steps.ts): when it is the next step, which steps it may stand in for, what it shows, and the
 * requests it answers. The runner (index.ts) loads the interaction, checks that the request
 * belongs to the step the interaction is at, checks the CSRF token and parses the body; a step
 * only does its own work and ends with finishLogin (or the consent result).
 */
export type StepName =
  | 'consent'
  | 'passkey-offer'
  | 'admin'
  | 'passkey'
  | 'password'
  | 'recovery'
  | 'otp'
  | 'unavailable';

/** Why an optional step follows a login before the member returns to the app, and its page. */
export const OFFER_PAGES = { passkey: '/passkey/offer', 'passkey-sms': '/passkey/offer' } as const;
export type LoginOffer = keyof typeof OFFER_PAGES;

/** A login this interaction has produced and saved, waiting for an optional step (an offer). */
export interface PendingLogin {
  accountId: string;
  amr: string[];
  offer?: LoginOffer | undefined;
}

/** Everything a step decides on, read once per request. */
export interface SignInState {
  interaction: Interaction;
  client: Client | undefined;
  /** The prompt oidc-provider stopped at: login or consent. */
  prompt: string;
  /** A login already made in this interaction (see PendingLogin). */
  pending: PendingLogin | undefined;
  /** Whether the member must sign in anew (no session, prompt=login, max_age, another account kind, …). */
  newLogin: boolean;
  requirement: AcrRequirement;
  /** What the member's existing session has proven (RFC 8176 amr). */
  amr: string[];
  /**
   * The level the existing session still lacks: the app's minimum first, then the app's first
   * preference; undefined on a new login or when nothing is missing.
   */
  missing: string | undefined;
  /** The signed-in member (existing session or pending login), loaded once, or null. */
  member(): Promise<Member | null>;
}

export type StepRoute = LoadedRoute | ChallengeRoute;

interface LoadedRoute {
  method: 'get' | 'post';
  /** Under /interaction/:uid */
  path: string;
  /** A JSON endpoint (the passkey ceremonies): CSRF token in a header, errors as JSON. */
  json?: boolean;
  challenge?: undefined;
  handler(ctx: Context, app: AppContext, state: SignInState): Promise<void>;
}

/**
 * A JSON endpoint that only hands out a challenge bound to the interaction (passkey options):
 * it is checked against the interaction's own signed cookie and the CSRF token, without loading
 * the interaction; the request that uses the challenge loads it and checks the step.
 */
interface ChallengeRoute {
  method: 'post';
  path: string;
  json: true;
  challenge: true;
  handler(ctx: Context, app: AppContext, interaction: { uid: string }): Promise<void>;
}

export interface Step {
  name: StepName;
  /** Whether this is the step the interaction is at; the table is tried in order. */
  when(state: SignInState): boolean;
  /** Steps this one may be used instead of (a passkey instead of the password). */
  follows?: readonly StepName[];
  /** The page of the step (GET /interaction/:uid while it is the next step). */
  show(ctx: Context, app: AppContext, state: SignInState): Promise<void>;
  routes: readonly StepRoute[];
}

/** The decision inputs an interaction and its client give (pure: decision tables are tested on it). */
export function readInteraction(interaction: Interaction, client: Client | undefined): Omit<SignInState, 'member'> {
  const requirement = acrRequirement(interaction.params as Record<string, unknown>, minAcrOf(client));
  const session = interaction.session as { accountId?: string; amr?: string[] } | undefined;
  const saved = interaction.result as { login?: { accountId: string; amr?: string[] }; offer?: LoginOffer } | undefined;
  const pending = saved?.login
    ? { accountId: saved.login.accountId, amr: saved.login.amr ?? [], offer: saved.offer }
    : undefined;
  const newLogin = !session?.accountId || interaction.prompt.reasons.some((reason) => reason !== ACR_CHECK);
  const amr = session?.amr ?? [];
  const missing = newLogin
    ? undefined
    : (requirement.required.find((value) => !satisfies(value, amr)) ?? requirement.anyOf[0]);
  return { interaction, client, prompt: interaction.prompt.name, pending, newLogin, requirement, amr, missing };
}

export async function signInState(app: AppContext, interaction: Interaction): Promise<SignInState> {
  const client = await app.provider.Client.find(String(interaction.params.client_id));
  const state = readInteraction(interaction, client);
  let member: Promise<Member | null> | undefined;
  return {
    ...state,
    member() {
      const accountId = state.pending?.accountId ?? state.interaction.session?.accountId;
      member ??= accountId ? app.members.findById(accountId) : Promise.resolve(null);
      return member;
    },
  };
}

/** The first level a new login should start with: the app's minimum, else its first preference. */
export function firstLevel(state: SignInState): string | undefined {
  return [...state.requirement.required, ...state.requirement.anyOf][0];
}

/** The active member this step is for; anything else means the interaction is no longer usable. */
export async function activeMember(state: SignInState): Promise<Member> {
  const member = await state.member();
  if (member?.status !== 'active')
    throw new AppError('error.interactionExpired', { detail: 'sign-in step without an active member' });
  return member;
}

/**
 * The acr to report for a login in this interaction: one the app asked for in acr_values if the
 * login meets it (OIDC Core 3.1.2.1), else the app's minimum level, else the strongest reached.
 */
export function acrFor(state: SignInState, amr: readonly string[]): string {
  return chooseAcr([...state.requirement.anyOf, ...state.requirement.required], amr);
}

/** RFC 8176: a one-time password adds otp (plus sms by text message), and mfa on top of another factor. */
export function amrWithCode(previous: readonly string[], channel: 'sms' | 'email'): string[] {
  const primary = previous.filter((method) => method !== 'otp' && method !== 'sms' && method !== 'mfa');
  return [
    ...new Set([...primary, 'otp', ...(channel === 'sms' ? ['sms'] : []), ...(primary.length > 0 ? ['mfa'] : [])]),
  ];
}

/**
 * Completes the login step: saves the login (accountId, amr and the acr they reach) in the
 * interaction, counts the sign-in by method, and gives the URL to send the browser to: back to
 * oidc-provider, or, with an offer, to the optional step that comes first.
 */
export async function finishLogin(
  ctx: Context,
  app: AppContext,
  state: SignInState,
  login: { accountId: string; amr: string[]; method: SignInMethod; offer?: LoginOffer | undefined },
): Promise<string> {
  const acr = acrFor(state, login.amr);
  const resume = await app.provider.interactionResult(
    ctx.req,
    ctx.res,
    {
      // auth_time is left to oidc-provider's own clock, which its max_age checks use.
      login: { accountId: login.accountId, acr, amr: login.amr, remember: false },
      ...(login.offer ? { offer: login.offer } : {}),
    },
    { mergeWithLastSubmission: false },
  );
  app.metrics.signIn(login.method, 'success', acr);
  await noticeNewBrowser(ctx, app, login.accountId);
  return login.offer ? `/interaction/${state.interaction.uid}${OFFER_PAGES[login.offer]}` : resume;
}

/** Ends the interaction with an OAuth error for the relying app (RFC 6749 4.1.2.1). */
export function finishWithError(ctx: Context, app: AppContext, error: string, description: string): Promise<string> {
  return app.provider.interactionResult(
    ctx.req,
    ctx.res,
    { error, error_description: description },
    { mergeWithLastSubmission: false },
  );
}

/** Post, redirect, get. */
export function seeOther(ctx: Context, url: string): void {
  ctx.status = 303;
  ctx.redirect(url);
}

export const isPasskeyLevel = (acr: string | undefined) => acr === ACR.passkey;

/** What every step's page shows: the interaction, its CSRF token and the app's name. */
export function pageBasics(ctx: Context, state: SignInState): { uid: string; csrf: string; clientName: string } {
  const uid = state.interaction.uid;
  return {
    uid,
    csrf: csrfToken(ctx, uid),
    clientName: clientName(ctx, state.client, state.interaction.params.client_id),
  };
}

/**
 * A one-time password inside the sign-in, bound to the interaction: the pages are
 * /interaction/:uid{path}, {path}/send and the `verify` path.
 */
export async function interactionCodeFlow(
  ctx: Context,
  app: AppContext,
  state: SignInState,
  flow: {
    purpose: Extract<OtpPurpose, 'step-up' | 'passkey-registration'>;
    heading: string;
    intro: string;
    path: string;
    send: string;
    verify: string;
    cancel?: boolean;
  },
): Promise<CodeFlow> {
  const member = await activeMember(state);
  const { uid, csrf } = pageBasics(ctx, state);
  const base = `/interaction/${uid}`;
  return codeFlow(ctx, app, {
    member,
    purpose: flow.purpose,
    binding: uid,
    destination: memberDestination(member, flow.purpose, app.config),
    alternative: flow.purpose === 'step-up' ? alternativeFor(member, 'step-up', app.config) : undefined,
    page: {
      heading: flow.heading,
      intro: flow.intro,
      csrf,
      sendAction: base + flow.send,
      verifyAction: base + flow.verify,
      // A cancel that ends the sign-in, or a link past an optional step.
      ...(flow.cancel
        ? { cancel: { action: `${base}/abort`, label: ctx.state.t('common.cancel') } }
        : { skip: { continueUrl: state.interaction.returnTo } }),
    },
    afterSend: base + flow.path,
  });
}
