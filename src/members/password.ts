import * as crypto from 'node:crypto';
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { BusyError } from '../errors.js';

/**
 * Password hashes, each stored with its algorithm and parameters so they can change without
 * invalidating what is stored:
 * - written now: Argon2id at OWASP's recommended minimum (m = 19 MiB, t = 2, p = 1), as a PHC
 *   string `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>` (unpadded base64, as Argon2 libraries
 *   write it, so hashes can be moved in and out);
 * - written before: `scrypt$<log2 N>$<r>$<p>$<salt base64url>$<hash base64url>`, still verified and
 *   replaced at the member's next successful sign-in (needsRehash).
 * Passwords are NFKC-normalised first, so a full-width and a half-width typing of one are one.
 */
const ARGON2 = { memory: 19456, passes: 2, parallelism: 1 };
const SALT_BYTES = 16;
const HASH_BYTES = 32;

type Parsed =
  | { algorithm: 'argon2id'; memory: number; passes: number; parallelism: number; salt: Buffer; hash: Buffer }
  | { algorithm: 'scrypt'; logN: number; r: number; p: number; salt: Buffer; hash: Buffer };

const ARGON2_FORMAT =
  /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{11,86})\$([A-Za-z0-9+/]{16,86})$/;
const SCRYPT_FORMAT = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([\w-]{11,86})\$([\w-]{16,86})$/;
const within = (value: number, min: number, max: number) => value >= min && value <= max;

/**
 * A stored hash's algorithm and parameters, or undefined if it is not one we write. The bounds
 * cover any sensible setting while keeping a hostile imported hash from exhausting memory or CPU.
 */
export function parsePasswordHash(stored: string): Parsed | undefined {
  let match = ARGON2_FORMAT.exec(stored);
  if (match) {
    const [memory, passes, parallelism] = [Number(match[1]), Number(match[2]), Number(match[3])];
    if (!within(parallelism, 1, 8) || !within(memory, 8 * parallelism, 262_144) || !within(passes, 1, 10))
      return undefined;
    return {
      algorithm: 'argon2id',
      memory,
      passes,
      parallelism,
      salt: Buffer.from(match[4]!, 'base64'),
      hash: Buffer.from(match[5]!, 'base64'),
    };
  }
  match = SCRYPT_FORMAT.exec(stored);
  if (match) {
    const [logN, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
    if (!within(logN, 10, 20) || !within(r, 1, 16) || !within(p, 1, 4)) return undefined;
    return {
      algorithm: 'scrypt',
      logN,
      r,
      p,
      salt: Buffer.from(match[4]!, 'base64url'),
      hash: Buffer.from(match[5]!, 'base64url'),
    };
  }
  return undefined;
}

/**
 * At most one hash per core at a time, and at most four (libuv's pool); the others wait their
 * turn. More at once would not finish sooner (each is pure CPU) and would each hold their 19 MiB
 * at the same time; on a machine with fewer cores than pool threads, the rest of the pool stays
 * free for DNS and file work (the SMTP and Vonage lookups) while a burst of sign-ins, or a
 * password-guessing run, is being hashed.
 */
const HASH_SLOTS = Math.min(4, Math.max(1, availableParallelism()));
/**
 * How many may wait: about a second and a half of hashing per slot at this machine's speed. Past
 * that, a sign-in is told at once to try again (503) rather than queued behind a flood of them
 * (members' sign-ins and guesses alike: the network's budget counts failures, after the hash).
 */
const MAX_WAITING = 64 * HASH_SLOTS;
let hashing = 0;
const waiting: Array<() => void> = [];

async function inTurn<T>(work: () => Promise<T>): Promise<T> {
  if (hashing >= HASH_SLOTS) {
    if (waiting.length >= MAX_WAITING) throw new BusyError('password hashing');
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else hashing += 1;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    // The slot passes straight to the next in line, or is given back.
    if (next) next();
    else hashing -= 1;
  }
}

function argon2id(password: string, salt: Buffer, params: typeof ARGON2, length: number): Promise<Buffer> {
  // Looked up at call time: crypto.argon2 exists from Node.js 24.7 on.
  if (typeof crypto.argon2 !== 'function') throw new Error('Argon2id password hashing needs Node.js 24.7 or later');
  return inTurn(
    () =>
      new Promise((resolve, reject) => {
        crypto.argon2(
          'argon2id',
          { message: password.normalize('NFKC'), nonce: salt, tagLength: length, ...params },
          (err, key) => (err ? reject(err) : resolve(key)),
        );
      }),
  );
}

function scryptKey(
  password: string,
  salt: Buffer,
  options: { N: number; r: number; p: number },
  length: number,
): Promise<Buffer> {
  const maxmem = 256 * options.N * options.r;
  return inTurn(
    () =>
      new Promise((resolve, reject) => {
        scrypt(password.normalize('NFKC'), salt, length, { ...options, maxmem }, (err, key) =>
          err ? reject(err) : resolve(key),
        );
      }),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await argon2id(password, salt, ARGON2, HASH_BYTES);
  const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');
  return `$argon2id$v=19$m=${ARGON2.memory},t=${ARGON2.passes},p=${ARGON2.parallelism}$${b64(salt)}$${b64(hash)}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parsePasswordHash(stored);
  if (!parsed) return false;
  const actual =
    parsed.algorithm === 'argon2id'
      ? await argon2id(
          password,
          parsed.salt,
          { memory: parsed.memory, passes: parsed.passes, parallelism: parsed.parallelism },
          parsed.hash.length,
        )
      : await scryptKey(password, parsed.salt, { N: 2 ** parsed.logN, r: parsed.r, p: parsed.p }, parsed.hash.length);
  return timingSafeEqual(actual, parsed.hash);
}

/** True for a hash weaker than what hashPassword writes now (scrypt, or Argon2id with less memory or fewer passes). */
export function needsRehash(stored: string): boolean {
  const parsed = parsePasswordHash(stored);
  return parsed?.algorithm !== 'argon2id' || parsed.memory < ARGON2.memory || parsed.passes < ARGON2.passes;
}

/**
 * Verifying against this hash costs the same as against a real one: used when the membership
 * number is unknown, so the response time does not tell whether the member exists.
 */
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return decoyHash;
}

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;
