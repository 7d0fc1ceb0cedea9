import { createRequire } from 'node:module';
import { type MetadataJson, parsePhoneNumberFromString } from 'libphonenumber-js/core';
import type { Config } from '../config.js';
import type { Member } from './model.js';

// The full metadata (needed to tell mobile numbers from fixed lines), loaded as plain JSON.
const metadata = createRequire(import.meta.url)('libphonenumber-js/metadata.max.json') as MetadataJson;

export type PhoneProblem = 'phone.invalid' | 'phone.notMobile';

/**
 * Mobile numbers are kept in E.164. Members in Japan type them nationally (090-1234-5678),
 * so national numbers are read as Japanese; numbers from elsewhere need their +country code.
 */
export function normalisePhone(
  input: string,
  defaultCountry: 'JP' = 'JP',
): { e164: string } | { problem: PhoneProblem } {
  const cleaned = input.normalize('NFKC').trim();
  if (!/^[+\d\s\-().]{6,24}$/.test(cleaned)) return { problem: 'phone.invalid' };
  const parsed = parsePhoneNumberFromString(cleaned, defaultCountry, metadata);
  if (!parsed?.isValid()) return { problem: 'phone.invalid' };
  const type = parsed.getType();
  // SMS needs a mobile line; some countries cannot tell mobile from fixed by the number alone.
  if (type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') return { problem: 'phone.notMobile' };
  return { e164: parsed.number };
}

/** Masked for display and logs, as the seed pages show it: ***-****-5678 */
export function maskPhone(e164: string): string {
  return `***-****-${e164.slice(-4)}`;
}

/** For display: national format for Japanese numbers (090-1234-5678), international otherwise. */
export function formatPhone(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164, metadata);
  if (!parsed) return e164;
  return parsed.country === 'JP' ? parsed.formatNational() : parsed.formatInternational();
}

/** The country calling code of an E.164 number (+81), if it is one. */
export function callingCodeOf(e164: string): string | undefined {
  const code = parsePhoneNumberFromString(e164, metadata)?.countryCallingCode;
  return code ? `+${code}` : undefined;
}

/** Whether SMS may go to this number at all (SMS_CALLING_CODES), wherever its owner lives. */
export function smsCallingCodeAllowed(e164: string, config: Config): boolean {
  const code = callingCodeOf(e164);
  return code !== undefined && config.smsGuard.callingCodes.includes(code);
}

/**
 * Whether a member can receive SMS: a verified mobile number with an allowed calling code, of a
 * member residing in an SMS country (seed 000, 003).
 */
export function canReceiveSms(member: Member, config: Config): boolean {
  return Boolean(
    member.phone &&
      member.phoneVerified &&
      config.smsCountries.includes(member.countryOfResidence) &&
      smsCallingCodeAllowed(member.phone, config),
  );
}
