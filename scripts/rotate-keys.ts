/**
 * Rotates the provider's signing keys in three steps, each rolled out to every instance before the
 * next (README, "Rotating signing keys"):
 *   npm run rotate-keys -- introduce|promote|retire|status [--file jwks.json] [--write] [--json]
 * Reads the JWKS from --file, else JWKS_FILE, else JWKS (as `npm run generate-keys` prints it).
 * Prints the new JWKS as a JWKS='…' line (with --json as JSON), or with --write replaces the file
 * it was read from. What changed and what to do next goes to stderr.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, type Jwks, loadConfig, parseJwks } from '../src/config.js';
import { describeJwks, ROTATION_STEPS, RotationError, type RotationStep } from '../src/security/rotation.js';

function hours(seconds: number): string {
  return seconds % 86_400 === 0 ? `${seconds / 86_400} days` : `${seconds / 3600} h`;
}

function nextSteps(step: RotationStep): string {
  const { ttl } = loadConfig({});
  switch (step) {
    case 'introduce':
      return 'Roll this JWKS out to every instance; nothing signs with the new keys yet. Then wait until every relying app has fetched the JWKS again (openid-client keeps it up to 5 minutes; allow a day for apps whose caching you do not know), and run promote.';
    case 'promote':
      return `Roll this JWKS out to every instance: the new keys sign, the old ones still verify. Once the last instance runs it, wait at least the ID token lifetime (${hours(ttl.idTokenSeconds)}), better the session lifetime (${hours(ttl.sessionSeconds)}, so that logout with an older id_token_hint still works), then run retire.`;
    case 'retire':
      return 'Roll this JWKS out to every instance. The rotation is complete.';
  }
}

function fail(message: string): never {
  process.stderr.write(`Error: ${message}\n`);
  process.exit(1);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    file: { type: 'string' },
    write: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const step = positionals[0] ?? '';
if (positionals.length !== 1 || !(step === 'status' || step in ROTATION_STEPS))
  fail('usage: npm run rotate-keys -- introduce|promote|retire|status [--file jwks.json] [--write] [--json]');
const file = values.file ?? process.env.JWKS_FILE;
if (values.write && !file)
  fail('--write needs a file (--file or JWKS_FILE); JWKS from the environment is printed instead');

let jwks: Jwks;
try {
  if (file) jwks = parseJwks(values.file ? '--file' : 'JWKS_FILE', readFileSync(file, 'utf8'));
  else if (process.env.JWKS) jwks = parseJwks('JWKS', process.env.JWKS);
  else fail('give the JWKS with --file, JWKS_FILE or JWKS (as printed by npm run generate-keys)');
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  fail(`cannot read ${file}: ${(error as Error).message}`);
}

if (step === 'status') {
  process.stderr.write(`${describeJwks(jwks).join('\n')}\n`);
  process.exit(0);
}
let rotated: Jwks;
try {
  rotated = ROTATION_STEPS[step as RotationStep](jwks);
  parseJwks('the rotated JWKS', JSON.stringify(rotated)); // the provider would start with it
} catch (error) {
  if (error instanceof RotationError || error instanceof ConfigError) fail(error.message);
  throw error;
}

const json = JSON.stringify(rotated, null, values.write || values.json ? 2 : undefined);
if (values.write) {
  const scratch = `${file}.${process.pid}.tmp`;
  writeFileSync(scratch, `${json}\n`, { mode: 0o600 });
  renameSync(scratch, file!);
} else process.stdout.write(`${values.json ? json : `JWKS='${json}'`}\n`);
process.stderr.write(
  `${step}: ${describeJwks(rotated).join('\n  ')}\n${values.write ? `Wrote ${file}. ` : ''}${nextSteps(step as RotationStep)}\n`,
);
