import { scryptSync } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from '@jest/globals';
import { BusyError } from '../errors.js';
import { hashPassword, needsRehash, parsePasswordHash, verifyPassword } from './password.js';

const PASSWORD = 'correct horse battery staple';
// Written by the reference implementation (libargon2 20190702, argon2_hash with Argon2_id).
const REFERENCE_ARGON2ID =
  '$argon2id$v=19$m=19456,t=2,p=1$am1iLXRlc3Qtc2FsdC0xNg$0n63yHWM4/8guToPoQOQGNNjFsGjTrqe0E1vEa/WA4g';
// Written by this provider before Argon2id (scrypt N = 2^15, r = 8, p = 1).
const EARLIER_SCRYPT = 'scrypt$15$8$1$c2NyeXB0LXNhbHQtMDAxNg$TVUYfG7ViOm9XZ_C6-tdTC0eL6cDnX1-dkxfPwh3cbY';

describe('password hashes', () => {
  it('are Argon2id at OWASP’s minimum (m = 19 MiB, t = 2, p = 1) in PHC format, and verify the right password only', async () => {
    const hash = await hashPassword(PASSWORD);
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(hash).not.toContain('correct');
    expect(await verifyPassword(PASSWORD, hash)).toBe(true);
    expect(await verifyPassword('Correct horse battery staple', hash)).toBe(false);
    expect(needsRehash(hash)).toBe(false);
  });

  it('salt every hash', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it('verify a hash written by another Argon2 implementation', async () => {
    expect(await verifyPassword(PASSWORD, REFERENCE_ARGON2ID)).toBe(true);
    expect(await verifyPassword('wrong', REFERENCE_ARGON2ID)).toBe(false);
  });

  it('keep verifying earlier scrypt hashes, which are marked for rehashing', async () => {
    expect(await verifyPassword(PASSWORD, EARLIER_SCRYPT)).toBe(true);
    expect(await verifyPassword('wrong', EARLIER_SCRYPT)).toBe(false);
    expect(needsRehash(EARLIER_SCRYPT)).toBe(true);
    // Argon2id below today's cost is upgraded too; above it is left alone.
    expect(needsRehash(REFERENCE_ARGON2ID.replace('m=19456,t=2', 'm=19456,t=1'))).toBe(true);
    expect(needsRehash(REFERENCE_ARGON2ID.replace('m=19456', 'm=65536'))).toBe(false);
  });

  it('answer every one of many sign-ins at once, each with its own result, though they hash in turn', async () => {
    const tries = Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? 'wrong' : PASSWORD));
    const results = await Promise.all(
      tries.map((password, i) => verifyPassword(password, i % 2 ? REFERENCE_ARGON2ID : EARLIER_SCRYPT)),
    );
    expect(results).toEqual(tries.map((password) => password === PASSWORD));
  });

  it('tell a sign-in at once to try again when too many are already waiting for a hash, and hash the rest', async () => {
    // A cheap scrypt hash (N = 2^10, r = 1): the queue, not the hashing, is what is tested.
    const salt = Buffer.from('queue-test-salt!');
    const key = scryptSync(PASSWORD, salt, 32, { N: 1024, r: 1, p: 1 });
    const cheap = `scrypt$10$1$1$${salt.toString('base64url')}$${key.toString('base64url')}`;
    const slots = Math.min(4, availableParallelism());
    const results = await Promise.allSettled(
      Array.from({ length: slots + 64 * slots + 3 }, () => verifyPassword(PASSWORD, cheap)),
    );
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused).toHaveLength(3);
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(BusyError);
    expect(results.filter((r) => r.status === 'fulfilled' && r.value === true)).toHaveLength(slots + 64 * slots);
    // Nothing is left holding a turn.
    expect(await verifyPassword(PASSWORD, cheap)).toBe(true);
  });

  it.each([
    ['not a hash', 'not-a-hash'],
    [
      'another algorithm',
      '$argon2i$v=19$m=19456,t=2,p=1$am1iLXRlc3Qtc2FsdC0xNg$0n63yHWM4/8guToPoQOQGNNjFsGjTrqe0E1vEa/WA4g',
    ],
    ['another Argon2 version', REFERENCE_ARGON2ID.replace('v=19', 'v=16')],
    ['memory beyond 256 MiB', REFERENCE_ARGON2ID.replace('m=19456', 'm=4194304')],
    ['too many passes', REFERENCE_ARGON2ID.replace('t=2', 't=99')],
    [
      'a salt shorter than 8 bytes',
      '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$0n63yHWM4/8guToPoQOQGNNjFsGjTrqe0E1vEa/WA4g',
    ],
    ['scrypt with N = 2^24', EARLIER_SCRYPT.replace('scrypt$15$', 'scrypt$24$')],
  ])('refuse %s without running a hash', async (_label, stored) => {
    expect(parsePasswordHash(stored)).toBeUndefined();
    expect(await verifyPassword(PASSWORD, stored)).toBe(false);
  });
});
