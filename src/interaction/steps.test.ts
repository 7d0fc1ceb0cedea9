import { describe, expect, it } from '@jest/globals';
import type { Client, Interaction } from 'oidc-provider';
import { ACR } from '../assurance/acr.js';
import { INTERNAL_CLIENT_IDS } from '../clients/kinds.js';
import { ACR_CHECK } from '../oidc/policy.js';
import { acrFor, amrWithCode, readInteraction, type SignInState } from './step.js';
import { nextStep, STEPS, stepAllowed } from './steps.js';

/** The decision table of the sign-in: which step an interaction is at, and the acr it reports. */
interface Situation {
  prompt?: 'login' | 'consent';
  reasons?: string[];
  acrValues?: string;
  minAcr?: string;
  clientId?: string;
  session?: { accountId: string; amr: string[] };
  result?: { login: { accountId: string; amr: string[] }; offer?: 'passkey' };
}

function state(situation: Situation): SignInState {
  const interaction = {
    uid: 'uid-1',
    prompt: {
      name: situation.prompt ?? 'login',
      reasons: situation.reasons ?? (situation.session ? [ACR_CHECK] : ['no_session']),
      details: {},
    },
    params: {
      client_id: situation.clientId ?? 'app',
      ...(situation.acrValues ? { acr_values: situation.acrValues } : {}),
    },
    session: situation.session,
    result: situation.result,
  } as unknown as Interaction;
  const client = {
    clientId: situation.clientId ?? 'app',
    ...(situation.minAcr ? { min_acr: situation.minAcr } : {}),
  } as unknown as Client;
  return { ...readInteraction(interaction, client), member: async () => null };
}

const stepFor = (situation: Situation) => nextStep(state(situation))?.name;
const session = (amr: string[]) => ({ accountId: 'm1', amr });

describe('the next sign-in step', () => {
  it.each<[string, Situation, string | undefined]>([
    ['a new login', {}, 'password'],
    ['a new login for an app that prefers passkeys', { acrValues: `${ACR.passkey} ${ACR.otp}` }, 'passkey'],
    ['a new login for an app whose minimum is a passkey', { minAcr: ACR.passkey, acrValues: ACR.otp }, 'passkey'],
    [
      'a new login for an app that asks for the OTP level (the password comes first)',
      { acrValues: ACR.otp },
      'password',
    ],
    ['a password session asked for the OTP level', { session: session(['pwd']), acrValues: ACR.otp }, 'otp'],
    ['a password session whose app requires a passkey', { session: session(['pwd']), minAcr: ACR.passkey }, 'passkey'],
    [
      'the app’s minimum before its preference',
      { session: session(['pwd']), minAcr: ACR.otp, acrValues: ACR.passkey },
      'otp',
    ],
    [
      'a session that must sign in again (prompt=login)',
      { session: session(['pwd', 'otp']), reasons: ['login_prompt'] },
      'password',
    ],
    ['the admin console', { clientId: INTERNAL_CLIENT_IDS.admin, minAcr: ACR.passkey }, 'admin'],
    ['consent', { prompt: 'consent', session: session(['pwd']) }, 'consent'],
    [
      'a login from another device, with its offer',
      { result: { login: { accountId: 'm1', amr: ['swk', 'user', 'mfa'] }, offer: 'passkey' } },
      'passkey-offer',
    ],
    ['a finished login waiting to resume', { result: { login: { accountId: 'm1', amr: ['pwd'] } } }, undefined],
  ])('%s', (_name, situation, expected) => {
    expect(stepFor(situation)).toBe(expected);
  });

  it('tells the app when the missing level is not one this provider knows', () => {
    // acr_values with only unknown values are ignored; an unknown minimum leaves nothing reachable.
    expect(stepFor({ session: session(['pwd']), minAcr: 'urn:other:acr' })).toBe('unavailable');
  });

  it('lets a passkey stand in for the password, not the other way round', () => {
    const byName = (name: string) => STEPS.find((step) => step.name === name)!;
    expect(stepAllowed(byName('passkey'), byName('password'))).toBe(true);
    expect(stepAllowed(byName('password'), byName('passkey'))).toBe(false);
    expect(stepAllowed(byName('otp'), byName('password'))).toBe(false);
    expect(stepAllowed(byName('passkey'), undefined)).toBe(false);
  });
});

describe('the acr and amr a login reports', () => {
  it('prefers what the app asked for, then its minimum, then the strongest reached', () => {
    expect(acrFor(state({ acrValues: `${ACR.passkey} ${ACR.password}` }), ['pwd'])).toBe(ACR.password);
    expect(acrFor(state({ minAcr: ACR.otp }), ['pwd', 'otp', 'mfa'])).toBe(ACR.otp);
    expect(acrFor(state({}), ['hwk', 'user', 'mfa'])).toBe(ACR.passkey);
  });

  it('adds otp (and sms by text message) to the login it steps up, with mfa on top of another factor', () => {
    expect(amrWithCode(['pwd'], 'sms')).toEqual(['pwd', 'otp', 'sms', 'mfa']);
    expect(amrWithCode(['pwd', 'otp', 'mfa'], 'email')).toEqual(['pwd', 'otp', 'mfa']);
    expect(amrWithCode([], 'email')).toEqual(['otp']);
  });
});
