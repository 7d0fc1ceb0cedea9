import type { Jwks } from '../config.js';
import { maySign } from './jwk.js';
import { generateSigningKey, SIGNING_ALGS, type SigningAlg } from './keys.js';

/**
 * Signing-key rotation in three steps, each rolled out to every instance before the next one:
 * introduce (a new key per algorithm, published but not signing), promote (the new key signs, the
 * old one stays published for verification only), retire (the verification-only keys go).
 *
 * How the keys are told apart: oidc-provider 9 signs with a key of the algorithm whose key_ops,
 * if present, include "sign" (KeyStore.selectForSign), the first one in keystore order if several
 * qualify; relying parties' libraries skip keys whose key_ops lack "verify". So a key that must not
 * sign carries key_ops ["verify"] (which is also what it is for, from the relying parties' side),
 * and the signing key is kept first of its algorithm, so that order alone would agree. No state is
 * kept outside the JWKS itself.
 */
type Jwk = Record<string, unknown>;
export type RotationStep = 'introduce' | 'promote' | 'retire';

export class RotationError extends Error {}

const VERIFY_ONLY = ['verify'];

/** Keys per algorithm, algorithms in order of first appearance, each signing key first. */
function byAlg(jwks: Jwks): Map<string, Jwk[]> {
  const groups = new Map<string, Jwk[]>();
  for (const key of jwks.keys) {
    if (typeof key.kid !== 'string')
      throw new RotationError('every key needs a kid: tokens name the key that signed them');
    if (typeof key.alg !== 'string')
      throw new RotationError(`key ${key.kid} has no alg (keys from npm run generate-keys have one)`);
    groups.set(key.alg, [...(groups.get(key.alg) ?? []), key]);
  }
  for (const [alg, keys] of groups) {
    const signers = keys.filter(maySign);
    if (signers.length === 0) throw new RotationError(`${alg} has no key that may sign`);
    if (signers.length > 1) {
      throw new RotationError(
        `${alg} has ${signers.length} keys that may sign (${signers.map((k) => k.kid).join(', ')}): the provider uses only the first; give the others key_ops ["verify"] or remove them`,
      );
    }
    groups.set(alg, [...signers, ...keys.filter((k) => !maySign(k))]);
  }
  return groups;
}

function flatten(groups: Map<string, Jwk[]>): Jwks {
  return { keys: [...groups.values()].flat() };
}

function withoutKeyOps(key: Jwk): Jwk {
  const { key_ops: _ignored, ...rest } = key;
  return rest;
}

export function introduce(jwks: Jwks, now: Date = new Date()): Jwks {
  const groups = byAlg(jwks);
  for (const [alg, keys] of groups) {
    const waiting = keys.find((k) => !maySign(k));
    if (waiting)
      throw new RotationError(
        `a rotation is under way: ${alg} key ${waiting.kid} is published but does not sign; run promote or retire first`,
      );
    if (!(SIGNING_ALGS as readonly string[]).includes(alg))
      throw new RotationError(`cannot generate ${alg} keys (only ${SIGNING_ALGS.join(', ')})`);
    keys.push({ ...generateSigningKey(alg as SigningAlg, now), key_ops: VERIFY_ONLY });
  }
  return flatten(groups);
}

/** The one verification-only key of each algorithm signs; the signing key becomes verification-only. */
export function promote(jwks: Jwks): Jwks {
  const groups = byAlg(jwks);
  for (const [alg, keys] of groups) {
    const waiting = keys.filter((k) => !maySign(k));
    if (waiting.length !== 1) {
      throw new RotationError(
        waiting.length === 0
          ? `${alg} has no key waiting to sign: run introduce first`
          : `${alg} has ${waiting.length} keys that do not sign; expected exactly one`,
      );
    }
    const next = waiting[0]!;
    groups.set(alg, [
      withoutKeyOps(next),
      ...keys.filter((k) => k !== next).map((k) => ({ ...k, key_ops: VERIFY_ONLY })),
    ]);
  }
  return flatten(groups);
}

export function retire(jwks: Jwks): Jwks {
  const groups = byAlg(jwks);
  const retired = [...groups.values()].flat().filter((k) => !maySign(k));
  if (retired.length === 0) throw new RotationError('no key to retire: every key signs');
  for (const [alg, keys] of groups) groups.set(alg, keys.filter(maySign));
  return flatten(groups);
}

export const ROTATION_STEPS: Record<RotationStep, (jwks: Jwks) => Jwks> = {
  introduce: (jwks) => introduce(jwks),
  promote,
  retire,
};

/** One line per algorithm: which key signs, which are published for verification only. */
export function describeJwks(jwks: Jwks): string[] {
  return [...byAlg(jwks)].map(([alg, keys]) => {
    const [signer, ...others] = keys;
    return `${alg}: signs with ${signer?.kid}${others.length ? `; published for verification only: ${others.map((k) => k.kid).join(', ')}` : ''}`;
  });
}
