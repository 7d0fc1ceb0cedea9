import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './config.js';
import { generateSecrets, secretsAsEnv } from './security/keys.js';

function envFromSecrets(): Record<string, string> {
  const lines = secretsAsEnv(generateSecrets()).split('\n');
  return Object.fromEntries(
    lines.map((line) => {
      const i = line.indexOf('=');
      return [line.slice(0, i), line.slice(i + 1).replace(/^'|'$/g, '')];
    }),
  );
}

const production = () => ({
  NODE_ENV: 'production',
  ISSUER: 'https://id.example.com',
  TRUST_PROXY: 'true',
  MONGODB_URI: 'mongodb://db.internal:27017/idp',
  VONAGE_API_KEY: 'key',
  VONAGE_API_SECRET: 'secret',
  SMTP_URL: 'smtp://mailer:pass@smtp.internal:587',
  MAIL_FROM: 'JMB <jmb_confirmation@example.jp>',
  ...envFromSecrets(),
});

function problem(env: Record<string, string | undefined>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a configuration error');
}

describe('configuration', () => {
  it('has development defaults', () => {
    const config = loadConfig({});
    expect(config.env).toBe('development');
    expect(config.issuer).toBe('http://localhost:3000');
    expect(config.demoAppPort).toBe(3001);
    expect(config.secrets).toBeUndefined();
  });

  it('accepts a parent domain as RP ID and Android app origins', () => {
    const config = loadConfig({
      ...production(),
      ISSUER: 'https://id.example.com',
      WEBAUTHN_RP_ID: 'example.com',
      WEBAUTHN_ORIGINS: `https://id.example.com,android:apk-key-hash:${'A'.repeat(43)}`,
    });
    expect(config.webauthn).toEqual({
      rpId: 'example.com',
      rpName: 'JMB',
      origins: ['https://id.example.com', `android:apk-key-hash:${'A'.repeat(43)}`],
    });
  });

  it("reads TRUST_PROXY as proxy hops (true is one) or as the proxies' addresses", () => {
    const trust = (value: string) => loadConfig({ TRUST_PROXY: value }).trustProxy;
    expect(trust('false')).toEqual({ kind: 'none' });
    expect(trust('true')).toEqual({ kind: 'hops', hops: 1 });
    expect(trust('2')).toEqual({ kind: 'hops', hops: 2 });
    expect(trust('10.0.0.0/8, 192.0.2.7,2001:db8::/32')).toEqual({
      kind: 'addresses',
      addresses: ['10.0.0.0/8', '192.0.2.7', '2001:db8::/32'],
    });
  });

  it('accepts a complete production configuration', () => {
    const config = loadConfig(production());
    expect(config.secureCookies).toBe(true);
    expect(config.secrets?.jwks.keys.map((k) => k.alg)).toEqual(['RS256', 'ES256']);
    expect(config.demoAppPort).toBe(0);
  });

  it('takes per-network budgets from the environment, or from config/defaults.json', () => {
    expect(loadConfig({}).login.perIpPerHour).toBe(100);
    expect(loadConfig({}).passkey.optionsPerIpPerHour).toBe(120);
    const raised = loadConfig({
      RATE_LIMIT_LOGIN_PER_IP_PER_HOUR: '5000',
      RATE_LIMIT_PASSKEY_OPTIONS_PER_IP_PER_HOUR: '6000',
    });
    expect(raised.login.perIpPerHour).toBe(5000);
    expect(raised.passkey.optionsPerIpPerHour).toBe(6000);
  });

  it('serves metrics and streams audit events only when asked to', () => {
    const plain = loadConfig({});
    expect(plain.metrics).toEqual({ port: undefined, host: '0.0.0.0', token: undefined });
    expect(plain.auditOut).toEqual({ stdout: false, webhook: undefined });
    const asked = loadConfig({
      METRICS_PORT: '9464',
      AUDIT_STREAM: 'stdout',
      AUDIT_WEBHOOK_URL: 'https://siem.example.jp/in',
      AUDIT_WEBHOOK_SECRET: 's'.repeat(32),
    });
    expect(asked.metrics.port).toBe(9464);
    expect(asked.auditOut).toMatchObject({ stdout: true, webhook: { url: 'https://siem.example.jp/in', attempts: 5 } });
  });

  it('takes the SMS toll-fraud controls from the environment, or from config/defaults.json', () => {
    expect(loadConfig({}).smsGuard).toEqual({
      callingCodes: ['+81'],
      budgetPerHour: 1000,
      budgetPerDay: 10000,
      prefixDigits: 6,
      prefixPerHour: 30,
      backoff: { baseSeconds: 60, maxSeconds: 1800, quietSeconds: 3600 },
    });
    const set = loadConfig({
      SMS_CALLING_CODES: '+81,+1,+852',
      SMS_BUDGET_PER_HOUR: '50',
      SMS_BUDGET_PER_DAY: '400',
      SMS_PREFIX_PER_HOUR: '5',
    }).smsGuard;
    expect(set).toMatchObject({ callingCodes: ['+81', '+1', '+852'], budgetPerHour: 50, budgetPerDay: 400 });
    expect(set.prefixPerHour).toBe(5);
    // 0 stops SMS altogether: every code goes by e-mail.
    expect(loadConfig({ SMS_BUDGET_PER_HOUR: '0' }).smsGuard.budgetPerHour).toBe(0);
  });

  it.each([
    [{ PORT: 'eighty' }, /^Configuration error: PORT /],
    [{ ISSUER: 'not a url' }, /^Configuration error: ISSUER /],
    [{ ISSUER: 'http://localhost:3000/?x=1' }, /ISSUER must not have a query/],
    [{ MONGODB_URI: 'postgres://x' }, /MONGODB_URI must start with mongodb/],
    [{ LOG_LEVEL: 'loud' }, /^Configuration error: LOG_LEVEL /],
    [{ EMBEDDED_MONGO: 'postgres' }, /^Configuration error: EMBEDDED_MONGO .*"auto"\|"mongod"\|"java"/],
    [{ TRUST_PROXY: 'maybe' }, /^Configuration error: TRUST_PROXY /],
    [{ RATE_LIMIT_LOGIN_PER_IP_PER_HOUR: '0' }, /^Configuration error: RATE_LIMIT_LOGIN_PER_IP_PER_HOUR /],
    [
      { RATE_LIMIT_PASSKEY_OPTIONS_PER_IP_PER_HOUR: 'many' },
      /^Configuration error: RATE_LIMIT_PASSKEY_OPTIONS_PER_IP_PER_HOUR /,
    ],
    [{ HMAC_SECRET: 'short' }, /HMAC_SECRET must be at least 32 characters/],
    [
      { ISSUER: 'https://id.example.com' },
      /TRUST_PROXY must name the proxy in front of this server when ISSUER is https/,
    ],
    [
      { TRUST_PROXY: '11' },
      /^Configuration error: TRUST_PROXY must be false, true \(one proxy\), a number of proxy hops/,
    ],
    [{ TRUST_PROXY: '10.0.0.0/8,proxy.internal' }, /TRUST_PROXY .*"proxy.internal" is neither/],
    [{ TRUST_PROXY: '10.0.0.0/33' }, /TRUST_PROXY .*"10.0.0.0\/33" is neither/],
    [
      { WEBAUTHN_RP_ID: 'example.org' },
      /WEBAUTHN_RP_ID must be the issuer's host \(localhost\) or a parent domain of it/,
    ],
    [{ ISSUER: 'http://127.0.0.1:3000' }, /WEBAUTHN_RP_ID must be a domain name/],
    [{ WEBAUTHN_ORIGINS: 'http://localhost:3000/path' }, /WEBAUTHN_ORIGINS has "http:\/\/localhost:3000\/path"/],
    [{ DRAIN_SECONDS: '-1' }, /^Configuration error: DRAIN_SECONDS /],
    [{ RATE_LIMIT_LOGIN_PER_IP_PER_HOUR: '0' }, /^Configuration error: RATE_LIMIT_LOGIN_PER_IP_PER_HOUR /],
    [
      { RATE_LIMIT_PASSKEY_OPTIONS_PER_IP_PER_HOUR: 'lots' },
      /^Configuration error: RATE_LIMIT_PASSKEY_OPTIONS_PER_IP_PER_HOUR /,
    ],
    [{ METRICS_PORT: '3000' }, /METRICS_PORT must differ from PORT/],
    [{ METRICS_TOKEN: 'short' }, /METRICS_TOKEN must be at least 32 printable characters/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, /OTEL_EXPORTER_OTLP_ENDPOINT must be an http\(s\) URL/],
    [{ AUDIT_STREAM: 'stderr' }, /AUDIT_STREAM must be stdout/],
    [{ AUDIT_WEBHOOK_URL: 'https://siem.example.jp/in' }, /AUDIT_WEBHOOK_SECRET is required when AUDIT_WEBHOOK_URL/],
    [{ AUDIT_WEBHOOK_SECRET: 'x'.repeat(32) }, /AUDIT_WEBHOOK_URL is required when AUDIT_WEBHOOK_SECRET/],
  ])('names the bad variable: %j', (env, message) => {
    expect(problem(env)).toMatch(message);
  });

  it.each([
    [{ MONGODB_URI: undefined }, /MONGODB_URI is required in production/],
    [{ JWKS: undefined, COOKIE_KEYS: undefined, HMAC_SECRET: undefined }, /JWKS is required in production/],
    [{ JWKS: '{"keys":[{"kty":"EC","d":"x","crv":"P-256"}]}' }, /JWKS must contain an RSA key/],
    [{ JWKS: '{"keys":[{"kty":"RSA","n":"x","e":"AQAB"}]}' }, /JWKS must be a JSON Web Key Set of private keys/],
    [{ JWKS: 'not json' }, /JWKS is not valid JSON/],
    [
      { JWKS: '{"keys":[{"kty":"RSA","d":"x","alg":"RS256","key_ops":["verify"]}]}' },
      /JWKS must contain an RSA key that may sign/,
    ],
    [
      {
        JWKS: '{"keys":[{"kty":"RSA","d":"x","alg":"RS256"},{"kty":"EC","d":"x","alg":"ES256","key_ops":["verify"]}]}',
      },
      /JWKS has no key that may sign ES256/,
    ],
    [{ COOKIE_KEYS: 'too-short' }, /COOKIE_KEYS must be a comma-separated list/],
    [{ ISSUER: 'http://id.example.com' }, /ISSUER must be an https URL in production/],
    [{ VONAGE_API_KEY: undefined }, /VONAGE_API_KEY is required when SMS_TRANSPORT is vonage/],
    [{ SMTP_URL: undefined }, /SMTP_URL is required when MAIL_TRANSPORT is smtp/],
    [{ SMS_TRANSPORT: 'outbox' }, /SMS_TRANSPORT must be vonage in production/],
    [{ MAIL_FROM: 'nobody' }, /MAIL_FROM must be an e-mail address/],
    [{ SMS_COUNTRIES: 'Japan' }, /SMS_COUNTRIES must be comma-separated ISO 3166-1 alpha-2 codes/],
    [{ SMS_CALLING_CODES: '81' }, /SMS_CALLING_CODES must be comma-separated country calling codes such as \+81/],
    [{ SMS_CALLING_CODES: '+81, +1' }, /SMS_CALLING_CODES must be comma-separated country calling codes/],
    [{ SMS_CALLING_CODES: '+81,+999' }, /SMS_CALLING_CODES has \+999, which is not a country calling code/],
    [{ SMS_BUDGET_PER_HOUR: 'lots' }, /^Configuration error: SMS_BUDGET_PER_HOUR /],
    [{ SMS_BUDGET_PER_HOUR: '-1' }, /^Configuration error: SMS_BUDGET_PER_HOUR /],
    [{ SMS_BUDGET_PER_DAY: '500' }, /SMS_BUDGET_PER_DAY must be at least SMS_BUDGET_PER_HOUR \(1000\)/],
    [{ SMS_PREFIX_PER_HOUR: '0' }, /^Configuration error: SMS_PREFIX_PER_HOUR /],
  ])('refuses an unsafe production configuration: %j', (change, message) => {
    expect(problem({ ...production(), ...change })).toMatch(message);
  });
});
