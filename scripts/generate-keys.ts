/**
 * Prints fresh secrets for a deployment as environment variable lines:
 *   npm run generate-keys > .env.production
 * JWKS (RS256 + ES256 private signing keys), COOKIE_KEYS and HMAC_SECRET. Every instance of one
 * deployment must share them; keep them in your secret store.
 */
import { parseArgs } from 'node:util';
import { generateSecrets, secretsAsEnv } from '../src/security/keys.js';

const { values } = parseArgs({ options: { json: { type: 'boolean', default: false } } });
const secrets = generateSecrets();
process.stdout.write(`${values.json ? JSON.stringify(secrets, null, 2) : secretsAsEnv(secrets)}\n`);
