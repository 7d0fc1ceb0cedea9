import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJwks, type Secrets } from '../config.js';
import { generateSecrets } from '../security/keys.js';

/**
 * Development only: keys are generated once and kept under DATA_DIR, so sessions and issued
 * tokens survive a restart. Production refuses to start without configured keys (config.ts).
 */
export function loadOrCreateDevSecrets(dataDir: string): { secrets: Secrets; created: boolean } {
  const file = join(dataDir, 'dev-secrets.json');
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Secrets;
    return { secrets: { ...stored, jwks: parseJwks(file, JSON.stringify(stored.jwks)) }, created: false };
  }
  mkdirSync(dataDir, { recursive: true });
  const secrets = generateSecrets();
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { secrets, created: true };
}
