import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { configDir, projectRoot } from './paths.js';
import { maySign } from './security/jwk.js';

/**
 * Every setting, parsed once from the environment. A bad value stops the process with a message
 * that names the variable; README's configuration table mirrors this file.
 */

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Configuration error: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

const jwkSchema = z.looseObject({
  kty: z.enum(['RSA', 'EC', 'OKP']),
  kid: z.string().min(1).optional(),
  d: z.string().min(1, 'must be a private key'),
});
const jwksSchema = z.object({ keys: z.array(jwkSchema).min(1) });
export type Jwks = { keys: Array<Record<string, unknown>> };

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => ['true', '1', 'yes'].includes(v));
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().nonnegative();

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port.default(3000),
  ISSUER: z.url({ protocol: /^https?$/ }).optional(),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
    .optional(),
  TRUST_PROXY: z.string().trim().default('false'),
  JWKS: z.string().optional(),
  JWKS_FILE: z.string().optional(),
  COOKIE_KEYS: z.string().optional(),
  HMAC_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  DATA_DIR: z.string().default('.data'),
  EMBEDDED_MONGO: z.enum(['auto', 'mongod', 'java']).default('auto'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DEV_SEED: bool.optional(),
  DEMO_APP_PORT: port.optional(),
  LOGIN_MAX_FAILURES: positiveInt.optional(),
  LOGIN_LOCKOUT_MINUTES: positiveInt.optional(),
  PASSWORD_MIN_LENGTH: z.coerce.number().int().min(8, 'must be at least 8 (NIST SP 800-63B)').max(64).default(8),
  RATE_LIMIT_LOGIN_PER_IP_PER_HOUR: positiveInt.optional(),
  RATE_LIMIT_PASSKEY_OPTIONS_PER_IP_PER_HOUR: positiveInt.optional(),
  RATE_LIMIT_OTP_SEND_PER_IP_PER_HOUR: positiveInt.optional(),
  RATE_LIMIT_OTP_VERIFY_PER_IP_PER_HOUR: positiveInt.optional(),
  AUDIT_RETENTION_DAYS: positiveInt.default(400),
  DRAIN_SECONDS: z.coerce.number().int().min(0).max(300).optional(),
  AUDIT_STREAM: z.enum(['stdout'], 'must be stdout (or unset)').optional(),
  AUDIT_WEBHOOK_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  AUDIT_WEBHOOK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  METRICS_PORT: port.optional(),
  METRICS_HOST: z.string().min(1).default('0.0.0.0'),
  METRICS_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{32,}$/, 'must be at least 32 printable characters without spaces')
    .optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  WEBAUTHN_RP_ID: z
    .string()
    .regex(
      /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/,
      'must be a domain name such as id.example.jp (not an IP address or URL)',
    )
    .optional(),
  WEBAUTHN_RP_NAME: z.string().min(1).max(64).default('JMB'),
  WEBAUTHN_ORIGINS: z.string().optional(),
  OTP_TTL_MINUTES: positiveInt.default(10),
  STEP_UP_MINUTES: positiveInt.default(10),
  SMS_TRANSPORT: z.enum(['vonage', 'outbox']).optional(),
  VONAGE_API_KEY: z.string().min(1).optional(),
  VONAGE_API_SECRET: z.string().min(1).optional(),
  VONAGE_SENDER: z
    .string()
    .regex(/^(?:[A-Za-z0-9 ]{1,11}|\+?\d{5,15})$/, 'must be up to 11 letters/digits, or a phone number')
    .default('JMB'),
  VONAGE_REST_HOST: z.url({ protocol: /^https?$/ }).default('https://rest.nexmo.com'),
  SMS_SENDER_DISPLAY: z.string().max(40).optional(),
  MAIL_TRANSPORT: z.enum(['smtp', 'outbox']).optional(),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM: z.string().min(3).optional(),
  OUTBOX_FILE: z.string().optional(),
  SMS_COUNTRIES: z
    .string()
    .regex(/^[A-Z]{2}(,[A-Z]{2})*$/, 'must be comma-separated ISO 3166-1 alpha-2 codes such as JP')
    .default('JP'),
  SMS_CALLING_CODES: z
    .string()
    .regex(/^\+\d{1,3}(,\+\d{1,3})*$/, 'must be comma-separated country calling codes such as +81')
    .default('+81'),
  SMS_BUDGET_PER_HOUR: nonNegativeInt.optional(),
  SMS_BUDGET_PER_DAY: nonNegativeInt.optional(),
  SMS_PREFIX_PER_HOUR: positiveInt.optional(),
  EMAIL_SELF_SERVICE_COUNTRIES: z
    .string()
    .regex(/^[A-Z]{2}(,[A-Z]{2})*$/, 'must be comma-separated ISO 3166-1 alpha-2 codes such as JP')
    .default('JP'),
});

const defaultsSchema = z.object({
  login: z.object({
    maxFailures: positiveInt,
    lockoutMinutes: positiveInt,
    perIpPerHour: positiveInt,
    minResponseMs: z.number().int().nonnegative(),
  }),
  otp: z.object({
    maxAttempts: positiveInt,
    resendCooldownSeconds: positiveInt,
    perMemberPerHour: positiveInt,
    perDestinationPerHour: positiveInt,
    perIpPerHour: positiveInt,
    verifyPerIpPerHour: positiveInt,
  }),
  passkey: z.object({ optionsPerIpPerHour: positiveInt }),
  auditWebhook: z.object({
    attempts: positiveInt,
    retryBaseMs: positiveInt,
    timeoutMs: positiveInt,
    queueSize: positiveInt,
    concurrency: positiveInt,
    flushMs: positiveInt,
  }),
  sms: z.object({
    budgetPerHour: nonNegativeInt,
    budgetPerDay: nonNegativeInt,
    prefixDigits: z.number().int().min(3).max(15),
    prefixPerHour: positiveInt,
    backoff: z.object({ baseSeconds: positiveInt, maxSeconds: positiveInt, quietSeconds: positiveInt }),
  }),
  /** Logout tokens to relying apps: tries per delivery, the first retry's delay (then ×4), deliveries under way at most. */
  backchannelLogout: z.object({ attempts: positiveInt, retryDelayMs: positiveInt, maxPending: positiveInt }),
  /** How often a session's "last seen" is written at most; how many browsers are remembered per member. */
  sessions: z.object({ lastSeenMinutes: positiveInt, knownBrowsersPerMember: positiveInt }),
  ttl: z.object({
    interactionSeconds: positiveInt,
    sessionSeconds: positiveInt,
    accessTokenSeconds: positiveInt,
    idTokenSeconds: positiveInt,
    refreshTokenSeconds: positiveInt,
    authorizationCodeSeconds: positiveInt,
    grantSeconds: positiveInt,
    /** Bounds for the lifetimes an admin may set per relying app. */
    accessTokenMinSeconds: positiveInt,
    accessTokenMaxSeconds: positiveInt,
    refreshTokenMinSeconds: positiveInt,
    refreshTokenMaxSeconds: positiveInt,
  }),
});
export type Defaults = z.infer<typeof defaultsSchema>;

/**
 * Which proxies in front of us may tell us the client's address and scheme: none, the nearest
 * `hops` (true = 1: one load balancer), or those whose addresses are in `addresses` (IPs or CIDRs).
 */
export type TrustProxy = { kind: 'none' } | { kind: 'hops'; hops: number } | { kind: 'addresses'; addresses: string[] };

const TRUST_PROXY_FORMAT =
  'must be false, true (one proxy), a number of proxy hops (1-10), or a comma-separated list of proxy addresses or CIDRs (10.0.0.0/8,192.0.2.7)';

function isAddressOrCidr(entry: string): boolean {
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (!family || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

export function parseTrustProxy(value: string): TrustProxy {
  const lower = value.toLowerCase();
  if (['false', 'no', '0', ''].includes(lower)) return { kind: 'none' };
  if (['true', 'yes'].includes(lower)) return { kind: 'hops', hops: 1 };
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 10) throw new ConfigError('TRUST_PROXY', TRUST_PROXY_FORMAT);
    return { kind: 'hops', hops };
  }
  const addresses = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const bad = addresses.find((entry) => !isAddressOrCidr(entry));
  if (bad !== undefined || addresses.length === 0)
    throw new ConfigError('TRUST_PROXY', `${TRUST_PROXY_FORMAT}${bad ? `; "${bad}" is neither` : ''}`);
  return { kind: 'addresses', addresses };
}

export interface Secrets {
  jwks: Jwks;
  cookieKeys: string[];
  hmacSecret: string;
}

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  issuer: string;
  /** Absent outside production: main starts an embedded development database. */
  mongodbUri: string | undefined;
  trustProxy: TrustProxy;
  secureCookies: boolean;
  dataDir: string;
  /** Which embedded development database to start without MONGODB_URI (src/dev/embedded-mongo.ts). */
  embeddedMongo: 'auto' | 'mongod' | 'java';
  logLevel: string;
  devSeed: boolean;
  demoAppPort: number;
  login: Defaults['login'];
  /** The shortest password a member may choose (NIST SP 800-63B: at least 8). */
  passwordMinLength: number;
  ttl: Defaults['ttl'];
  otp: Defaults['otp'] & { ttlMinutes: number; stepUpMinutes: number };
  passkey: Defaults['passkey'];
  backchannelLogout: Defaults['backchannelLogout'];
  sessions: Defaults['sessions'];
  sms:
    | {
        transport: 'vonage';
        apiKey: string;
        apiSecret: string;
        sender: string;
        restHost: string;
        senderDisplay: string;
      }
    | { transport: 'outbox'; sender: string; senderDisplay: string };
  mail: { transport: 'smtp'; url: string; from: string } | { transport: 'outbox'; from: string };
  auditRetentionDays: number;
  /** After SIGTERM: how long /readyz answers 503 while requests are still served, before the listener closes. */
  drainSeconds: number;
  /** Where audit events go besides the database, as they are recorded (audit/outbound.ts). */
  auditOut: {
    stdout: boolean;
    webhook: ({ url: string; secret: string } & Defaults['auditWebhook']) | undefined;
  };
  /** Prometheus: a port of its own, and/or the public port behind a bearer token. */
  metrics: { port: number | undefined; host: string; token: string | undefined };
  /** Set when spans are exported (observability/tracing.ts reads the OTEL_* variables itself). */
  otlpEndpoint: string | undefined;
  webauthn: {
    rpId: string;
    rpName: string;
    /** Accepted origins: the issuer's, or WEBAUTHN_ORIGINS (web origins and android:apk-key-hash:… app origins). */
    origins: string[];
  };
  /** Development outbox (JSON lines) when a transport is `outbox`. */
  outboxFile: string;
  /** Residents of these countries may receive SMS and register a mobile number themselves (seed 000, 003). */
  smsCountries: string[];
  /** The SMS toll-fraud controls (otp/sms-guard.ts). */
  smsGuard: Defaults['sms'] & {
    /** Country calling codes SMS may go to (+81), whatever the member's country of residence. */
    callingCodes: string[];
  };
  /** Residents of these countries may change their e-mail address themselves (seed 003). */
  emailSelfServiceCountries: string[];
  /** Absent only outside production, where main generates and keeps them under DATA_DIR. */
  secrets: Secrets | undefined;
}

function readDefaults(): Defaults {
  const raw = JSON.parse(readFileSync(join(configDir, 'defaults.json'), 'utf8')) as unknown;
  return defaultsSchema.parse(raw);
}

// Every country calling code libphonenumber knows (geographic ones: +800 and the like are no country).
const CALLING_CODES = new Set(
  Object.keys(
    (createRequire(import.meta.url)('libphonenumber-js/metadata.min.json') as { country_calling_codes: object })
      .country_calling_codes,
  ),
);

function parseSmsGuard(env: z.infer<typeof envSchema>, defaults: Defaults['sms']): Config['smsGuard'] {
  const callingCodes = env.SMS_CALLING_CODES.split(',');
  const unknown = callingCodes.find((code) => !CALLING_CODES.has(code.slice(1)));
  if (unknown) throw new ConfigError('SMS_CALLING_CODES', `has ${unknown}, which is not a country calling code`);
  const budgetPerHour = env.SMS_BUDGET_PER_HOUR ?? defaults.budgetPerHour;
  const budgetPerDay = env.SMS_BUDGET_PER_DAY ?? defaults.budgetPerDay;
  // A smaller day than hour would make the hourly budget a number nobody ever reaches.
  if (budgetPerDay < budgetPerHour)
    throw new ConfigError('SMS_BUDGET_PER_DAY', `must be at least SMS_BUDGET_PER_HOUR (${budgetPerHour})`);
  return {
    ...defaults,
    budgetPerHour,
    budgetPerDay,
    prefixPerHour: env.SMS_PREFIX_PER_HOUR ?? defaults.prefixPerHour,
    callingCodes,
  };
}

function describe(issue: z.core.$ZodIssue): string {
  return issue.message.startsWith('must') ? issue.message : `is invalid: ${issue.message}`;
}

export function parseJwks(variable: string, text: string): Jwks {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(variable, 'is not valid JSON');
  }
  const parsed = jwksSchema.safeParse(json);
  if (!parsed.success)
    throw new ConfigError(variable, `must be a JSON Web Key Set of private keys (${parsed.error.issues[0]?.message})`);
  const keys = parsed.data.keys as Array<Record<string, unknown>>;
  // OpenID Connect Core 15.1: an OP must be able to sign ID tokens with RS256.
  if (!keys.some((k) => k.kty === 'RSA' && maySign(k)))
    throw new ConfigError(variable, 'must contain an RSA key that may sign (RS256 is mandatory for OpenID Connect)');
  // The provider advertises every algorithm of its keys, but signs only with keys whose key_ops
  // allow it (key_ops ["verify"] marks a key during a rotation, README "Rotating signing keys").
  for (const alg of new Set(keys.map((k) => k.alg).filter((a) => typeof a === 'string'))) {
    if (!keys.some((k) => k.alg === alg && maySign(k)))
      throw new ConfigError(
        variable,
        `has no key that may sign ${alg}: each ${alg} key has key_ops without "sign" (npm run rotate-keys -- promote makes one sign)`,
      );
  }
  return { keys };
}

function parseSecrets(env: z.infer<typeof envSchema>): Secrets | undefined {
  const given = [env.JWKS ?? env.JWKS_FILE, env.COOKIE_KEYS, env.HMAC_SECRET];
  if (given.every((v) => v === undefined)) return undefined;
  let jwks: Jwks;
  if (env.JWKS) jwks = parseJwks('JWKS', env.JWKS);
  else if (env.JWKS_FILE) {
    let text: string;
    try {
      text = readFileSync(env.JWKS_FILE, 'utf8');
    } catch {
      throw new ConfigError('JWKS_FILE', `cannot be read (${env.JWKS_FILE})`);
    }
    jwks = parseJwks('JWKS_FILE', text);
  } else throw new ConfigError('JWKS', 'is required when COOKIE_KEYS or HMAC_SECRET is set');
  if (!env.COOKIE_KEYS) throw new ConfigError('COOKIE_KEYS', 'is required when JWKS is set');
  const cookieKeys = env.COOKIE_KEYS.split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  if (cookieKeys.length === 0 || cookieKeys.some((k) => k.length < 32)) {
    throw new ConfigError('COOKIE_KEYS', 'must be a comma-separated list of secrets of at least 32 characters each');
  }
  if (!env.HMAC_SECRET) throw new ConfigError('HMAC_SECRET', 'is required when JWKS is set');
  return { jwks, cookieKeys, hmacSecret: env.HMAC_SECRET };
}

/**
 * WebAuthn relying party: the RP ID is the issuer's host unless set; it must be that host or a
 * parent domain of it (WebAuthn §5.1.3), or browsers refuse every ceremony.
 */
function parseWebauthn(env: z.infer<typeof envSchema>, issuer: string): Config['webauthn'] {
  const host = new URL(issuer).hostname;
  const rpId = env.WEBAUTHN_RP_ID ?? host;
  if (host !== rpId && !host.endsWith(`.${rpId}`)) {
    throw new ConfigError('WEBAUTHN_RP_ID', `must be the issuer's host (${host}) or a parent domain of it`);
  }
  if (/^[\d.]+$|^\[|:/.test(rpId))
    throw new ConfigError(
      'WEBAUTHN_RP_ID',
      'must be a domain name: WebAuthn does not accept IP addresses (use localhost in development)',
    );
  let origins = [new URL(issuer).origin];
  if (env.WEBAUTHN_ORIGINS) {
    origins = env.WEBAUTHN_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean);
    for (const origin of origins) {
      const web = /^https?:\/\/[^/]+$/.test(origin) && new URL(origin).origin === origin;
      const android = /^android:apk-key-hash:[A-Za-z0-9_-]{43}$/.test(origin);
      if (!web && !android) {
        throw new ConfigError(
          'WEBAUTHN_ORIGINS',
          `has "${origin}": each entry must be a web origin (https://id.example.jp) or android:apk-key-hash:<base64url SHA-256 of the signing certificate>`,
        );
      }
    }
  }
  return { rpId, rpName: env.WEBAUTHN_RP_NAME, origins };
}

function parseAuditOut(env: z.infer<typeof envSchema>, defaults: Defaults): Config['auditOut'] {
  const { AUDIT_WEBHOOK_URL: url, AUDIT_WEBHOOK_SECRET: secret } = env;
  if (url && !secret)
    throw new ConfigError('AUDIT_WEBHOOK_SECRET', 'is required when AUDIT_WEBHOOK_URL is set (it signs each event)');
  if (secret && !url) throw new ConfigError('AUDIT_WEBHOOK_URL', 'is required when AUDIT_WEBHOOK_SECRET is set');
  return {
    stdout: env.AUDIT_STREAM === 'stdout',
    webhook: url && secret ? { url, secret, ...defaults.auditWebhook } : undefined,
  };
}

function parseMetrics(env: z.infer<typeof envSchema>): Config['metrics'] {
  if (env.METRICS_PORT !== undefined && env.METRICS_PORT !== 0 && env.METRICS_PORT === env.PORT)
    throw new ConfigError('METRICS_PORT', 'must differ from PORT (the metrics are not for the public port)');
  return { port: env.METRICS_PORT, host: env.METRICS_HOST, token: env.METRICS_TOKEN };
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0]), describe(issue));
  }
  const env = parsed.data;
  const production = env.NODE_ENV === 'production';
  const issuer = (env.ISSUER ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
  if (production && !issuer.startsWith('https://'))
    throw new ConfigError('ISSUER', 'must be an https URL in production');
  const trustProxy = parseTrustProxy(env.TRUST_PROXY);
  if (issuer.startsWith('https://') && trustProxy.kind === 'none') {
    throw new ConfigError(
      'TRUST_PROXY',
      'must name the proxy in front of this server when ISSUER is https (true, a number of hops, or its addresses): TLS is terminated there',
    );
  }
  if (new URL(issuer).search || new URL(issuer).hash)
    throw new ConfigError('ISSUER', 'must not have a query or fragment');
  if (production && !env.MONGODB_URI) throw new ConfigError('MONGODB_URI', 'is required in production');
  const secrets = parseSecrets(env);
  if (production && !secrets)
    throw new ConfigError('JWKS', 'is required in production (generate keys with `npm run generate-keys`)');

  const defaults = readDefaults();
  const webauthn = parseWebauthn(env, issuer);
  const dataDir = isAbsolute(env.DATA_DIR) ? env.DATA_DIR : join(projectRoot, env.DATA_DIR);
  const smsTransport = env.SMS_TRANSPORT ?? (production ? 'vonage' : 'outbox');
  const mailTransport = env.MAIL_TRANSPORT ?? (production ? 'smtp' : 'outbox');
  if (production && smsTransport === 'outbox')
    throw new ConfigError('SMS_TRANSPORT', 'must be vonage in production (the outbox is for development)');
  if (production && mailTransport === 'outbox')
    throw new ConfigError('MAIL_TRANSPORT', 'must be smtp in production (the outbox is for development)');
  const senderDisplay = env.SMS_SENDER_DISPLAY ?? env.VONAGE_SENDER;
  let sms: Config['sms'];
  if (smsTransport === 'vonage') {
    if (!env.VONAGE_API_KEY) throw new ConfigError('VONAGE_API_KEY', 'is required when SMS_TRANSPORT is vonage');
    if (!env.VONAGE_API_SECRET) throw new ConfigError('VONAGE_API_SECRET', 'is required when SMS_TRANSPORT is vonage');
    sms = {
      transport: 'vonage',
      apiKey: env.VONAGE_API_KEY,
      apiSecret: env.VONAGE_API_SECRET,
      sender: env.VONAGE_SENDER,
      restHost: env.VONAGE_REST_HOST.replace(/\/+$/, ''),
      senderDisplay,
    };
  } else sms = { transport: 'outbox', sender: env.VONAGE_SENDER, senderDisplay };
  let mail: Config['mail'];
  if (mailTransport === 'smtp') {
    if (!env.SMTP_URL) throw new ConfigError('SMTP_URL', 'is required when MAIL_TRANSPORT is smtp');
    if (!env.MAIL_FROM) throw new ConfigError('MAIL_FROM', 'is required when MAIL_TRANSPORT is smtp');
    mail = { transport: 'smtp', url: env.SMTP_URL, from: env.MAIL_FROM };
  } else mail = { transport: 'outbox', from: env.MAIL_FROM ?? 'JMB Member Login <no-reply@localhost>' };
  if (!/<?[^\s<>@]+@[^\s<>@]+>?$/.test(mail.from))
    throw new ConfigError(
      'MAIL_FROM',
      'must be an e-mail address, optionally with a display name: Name <address@example.jp>',
    );
  return {
    env: env.NODE_ENV,
    port: env.PORT,
    issuer,
    mongodbUri: env.MONGODB_URI,
    trustProxy,
    secureCookies: issuer.startsWith('https://'),
    dataDir,
    embeddedMongo: env.EMBEDDED_MONGO,
    logLevel: env.LOG_LEVEL,
    devSeed: env.DEV_SEED ?? env.NODE_ENV === 'development',
    demoAppPort: production ? 0 : (env.DEMO_APP_PORT ?? (env.PORT > 0 ? env.PORT + 1 : 0)),
    login: {
      ...defaults.login,
      maxFailures: env.LOGIN_MAX_FAILURES ?? defaults.login.maxFailures,
      lockoutMinutes: env.LOGIN_LOCKOUT_MINUTES ?? defaults.login.lockoutMinutes,
      perIpPerHour: env.RATE_LIMIT_LOGIN_PER_IP_PER_HOUR ?? defaults.login.perIpPerHour,
    },
    passwordMinLength: env.PASSWORD_MIN_LENGTH,
    ttl: defaults.ttl,
    otp: {
      ...defaults.otp,
      perIpPerHour: env.RATE_LIMIT_OTP_SEND_PER_IP_PER_HOUR ?? defaults.otp.perIpPerHour,
      verifyPerIpPerHour: env.RATE_LIMIT_OTP_VERIFY_PER_IP_PER_HOUR ?? defaults.otp.verifyPerIpPerHour,
      ttlMinutes: env.OTP_TTL_MINUTES,
      stepUpMinutes: env.STEP_UP_MINUTES,
    },
    passkey: {
      ...defaults.passkey,
      optionsPerIpPerHour: env.RATE_LIMIT_PASSKEY_OPTIONS_PER_IP_PER_HOUR ?? defaults.passkey.optionsPerIpPerHour,
    },
    backchannelLogout: defaults.backchannelLogout,
    sessions: defaults.sessions,
    sms,
    mail,
    auditRetentionDays: env.AUDIT_RETENTION_DAYS,
    drainSeconds: env.DRAIN_SECONDS ?? (production ? 5 : 0),
    auditOut: parseAuditOut(env, defaults),
    metrics: parseMetrics(env),
    otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
    webauthn,
    outboxFile: env.OUTBOX_FILE
      ? isAbsolute(env.OUTBOX_FILE)
        ? env.OUTBOX_FILE
        : join(projectRoot, env.OUTBOX_FILE)
      : join(dataDir, 'outbox.jsonl'),
    smsCountries: env.SMS_COUNTRIES.split(','),
    smsGuard: parseSmsGuard(env, defaults.sms),
    emailSelfServiceCountries: env.EMAIL_SELF_SERVICE_COUNTRIES.split(','),
    secrets,
  };
}
