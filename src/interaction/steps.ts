import type { SignInState, Step } from './step.js';
import { adminStep } from './steps/admin.js';
import { consentStep } from './steps/consent.js';
import { otpStep } from './steps/otp.js';
import { passkeyStep } from './steps/passkey.js';
import { passkeyOfferStep } from './steps/passkey-offer.js';
import { passwordStep } from './steps/password.js';
import { recoveryStep } from './steps/recovery.js';
import { unavailableStep } from './steps/unavailable.js';

/**
 * The sign-in steps, in the order they are tried: the first whose `when` holds is the step an
 * interaction is at. A new step is one file in steps/ and one line here.
 */
export const STEPS: readonly Step[] = [
  consentStep,
  passkeyOfferStep,
  adminStep,
  passkeyStep,
  passwordStep,
  recoveryStep,
  otpStep,
  unavailableStep,
];

/** The step the interaction is at, or undefined when its login is done and it only has to resume. */
export function nextStep(state: SignInState): Step | undefined {
  return STEPS.find((step) => step.when(state));
}

/** Whether a request of `step` belongs in an interaction at `current`. */
export function stepAllowed(step: Step, current: Step | undefined): boolean {
  return current !== undefined && (step.name === current.name || (step.follows ?? []).includes(current.name));
}
