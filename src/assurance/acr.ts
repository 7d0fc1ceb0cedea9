/**
 * The identity assurance vocabulary published in discovery (acr_values_supported) and put in
 * every ID token. A relying app names the level it needs in acr_values; the login prompt
 * (oidc/policy.ts) asks for the missing step when the session does not satisfy any of them.
 *
 * amr values are from RFC 8176.
 */
export const ACR = {
  /** membership number + password */
  password: 'urn:jmb:acr:pwd',
  /** a passkey with user verification: phishing-resistant */
  passkey: 'urn:jmb:acr:passkey',
  /** a one-time password (SMS or e-mail) on top of a login */
  otp: 'urn:jmb:acr:otp',
} as const;
export type Acr = (typeof ACR)[keyof typeof ACR];
export const ACR_VALUES: Acr[] = [ACR.password, ACR.otp, ACR.passkey];

const PASSKEY_AMR = new Set(['hwk', 'swk']);

/** Whether a session authenticated with `amr` meets the level `acr`. */
export function satisfies(acr: string, amr: readonly string[]): boolean {
  switch (acr) {
    case ACR.password:
      return amr.length > 0;
    case ACR.passkey:
      return amr.some((m) => PASSKEY_AMR.has(m));
    case ACR.otp:
      return amr.includes('otp');
    default:
      return false;
  }
}

/** The strongest level a session with `amr` reaches, for logins where no level was requested. */
export function strongestAcr(amr: readonly string[]): Acr {
  if (satisfies(ACR.otp, amr)) return ACR.otp;
  if (satisfies(ACR.passkey, amr)) return ACR.passkey;
  return ACR.password;
}

/**
 * The acr to put in the ID token: the first requested value (acr_values is in order of
 * preference, OIDC Core 3.1.2.1) that the session satisfies, else the strongest it reaches.
 */
export function chooseAcr(requested: readonly string[], amr: readonly string[]): Acr {
  const met = requested.find((value) => (ACR_VALUES as string[]).includes(value) && satisfies(value, amr));
  return (met as Acr | undefined) ?? strongestAcr(amr);
}

export function parseAcrValues(value: unknown): string[] {
  return typeof value === 'string' ? value.split(' ').filter(Boolean) : [];
}

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

export function acrRequirement(params: Record<string, unknown>, minAcr: string | undefined): AcrRequirement {
  return { required: minAcr ? [minAcr] : [], anyOf: requestedAcrValues(params) };
}

export function requirementMet(requirement: AcrRequirement, amr: readonly string[]): boolean {
  return (
    requirement.required.every((value) => satisfies(value, amr)) &&
    (requirement.anyOf.length === 0 || requirement.anyOf.some((value) => satisfies(value, amr)))
  );
}
