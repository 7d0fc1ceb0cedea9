import { randomInt } from 'node:crypto';

/**
 * A membership number is 9 ASCII digits; the ninth is a Luhn check digit over the first eight,
 * so a mistyped digit or a swapped pair is caught before any lookup. Members may type it with
 * spaces or hyphens, or with full-width digits from a Japanese keyboard: normalise first.
 */
export const MEMBERSHIP_NUMBER_LENGTH = 9;

export function normaliseMembershipNumber(input: string): string {
  return input
    .normalize('NFKC') // full-width ０-９ → 0-9
    .replace(/[\s\-‐－ー]/g, '');
}

function luhnCheckDigit(payload: string): number {
  let sum = 0;
  for (let i = 0; i < payload.length; i += 1) {
    let digit = Number(payload[payload.length - 1 - i]);
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

export function isValidMembershipNumber(value: string): boolean {
  if (!/^\d{9}$/.test(value)) return false;
  return luhnCheckDigit(value.slice(0, 8)) === Number(value[8]);
}

export function withCheckDigit(payload: string): string {
  if (!/^\d{8}$/.test(payload)) throw new Error('payload must be 8 digits');
  return payload + String(luhnCheckDigit(payload));
}

export function randomMembershipNumber(): string {
  // First digit non-zero so the number never looks truncated when shown without padding.
  const payload = String(randomInt(1, 10)) + String(randomInt(0, 10_000_000)).padStart(7, '0');
  return withCheckDigit(payload);
}
