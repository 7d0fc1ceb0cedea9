import { createRequire } from 'node:module';
import { type MetadataJson, parsePhoneNumberFromString } from 'libphonenumber-js/core';

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
