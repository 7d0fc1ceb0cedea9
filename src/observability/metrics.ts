import { createRequire } from 'node:module';
import { type MetadataJson, parsePhoneNumberFromString } from 'libphonenumber-js/core';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from '../clock.js';

/**
 * What the operators watch (README "Operating it"), one Prometheus registry per app so several
 * apps in one process never share counters. Libraries and routes record through the narrow
 * methods below, never through prom-client, so no label can carry a member's data: labels are
 * route patterns, method names, reasons and calling codes, never ids, numbers, addresses or IPs.
 */
export type SignInMethod = 'password' | 'passkey' | 'passkey_cross_device' | 'admin_passkey' | 'otp';

/** The limits that refuse a request: lockouts and rate limits (config/defaults.json). */
export type Budget =
  | 'login_number_lockout'
  | 'login_per_network'
  | 'otp_send_caps'
  | 'otp_resend_cooldown'
  | 'otp_verify_per_network'
  | 'passkey_options'
  | 'recovery_per_network'
  | 'sms_calling_code'
  | 'sms_prefix'
  | 'sms_budget'
  | 'sms_backoff';

export type OtpEvent = 'sent' | 'delivered' | 'failed' | 'verified';

export interface Metrics {
  readonly registry: Registry;
  httpRequest(labels: { method: string; route: string; status: number }, seconds: number): void;
  signIn(method: SignInMethod, outcome: 'success' | 'failure', acr?: string): void;
  refused(budget: Budget): void;
  /** `destination` is an E.164 number or an e-mail address; only its calling code is kept. */
  otp(event: OtpEvent, channel: 'sms' | 'email', destination: string): void;
  passkeyRegistered(realm: 'member' | 'admin'): void;
  /** Collected on scrape from `count`, at most once per `cacheSeconds`. */
  membersWithPasskey(count: () => Promise<number>, cacheSeconds?: number): void;
  /** The global SMS budgets, read on scrape: how much is used, the limit, whether SMS are held back. */
  smsBudgets(states: () => Promise<Array<{ window: string; sent: number; limit: number; open: boolean }>>): void;
  grant(grantType: string, outcome: 'success' | 'failure'): void;
  tokenIssued(kind: string, grantType: string): void;
  mongoCommand(command: string, outcome: 'success' | 'failure', seconds: number): void;
  auditDelivery(outcome: 'delivered' | 'retried' | 'dropped', reason?: string): void;
}

// The metadata members/phone.ts loads too (one copy: require caches it), as plain JSON.
const phoneMetadata = createRequire(import.meta.url)('libphonenumber-js/metadata.max.json') as MetadataJson;

/** "81" for +81 90…, "email" for an address, "unknown" for what does not parse. */
export function destinationLabel(channel: 'sms' | 'email', destination: string): string {
  if (channel === 'email') return 'email';
  return parsePhoneNumberFromString(destination, phoneMetadata)?.countryCallingCode ?? 'unknown';
}

const LATENCY = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(clock: Clock): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Counter<L>({ name, help, labelNames, registers: [registry] });

  const http = new Histogram({
    name: 'jmb_http_request_duration_seconds',
    help: 'HTTP requests by route pattern (oidc-provider endpoints by name; unmatched: other) and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY,
    registers: [registry],
  });
  const signIns = counter('jmb_sign_ins_total', 'Sign-ins by method, outcome and the acr reached', [
    'method',
    'outcome',
    'acr',
  ]);
  const refusals = counter('jmb_refusals_total', 'Requests refused by a lockout or rate limit', ['budget']);
  const otp = {
    sent: counter('jmb_otp_sent_total', 'One-time passwords handed to the SMS or e-mail transport', [
      'channel',
      'calling_code',
    ]),
    delivered: counter('jmb_otp_delivered_total', 'One-time passwords the transport accepted', [
      'channel',
      'calling_code',
    ]),
    failed: counter('jmb_otp_failed_total', 'One-time passwords the transport refused or could not take', [
      'channel',
      'calling_code',
    ]),
    verified: counter('jmb_otp_verified_total', 'One-time passwords entered correctly', ['channel', 'calling_code']),
  };
  const passkeys = counter('jmb_passkey_registrations_total', 'Passkeys registered', ['realm']);
  const grants = counter('jmb_oidc_grants_total', 'Token endpoint requests by grant type and outcome', [
    'grant_type',
    'outcome',
  ]);
  const tokens = counter('jmb_oidc_tokens_issued_total', 'Tokens and codes issued, by kind and grant type', [
    'kind',
    'grant_type',
  ]);
  const mongo = new Histogram({
    name: 'jmb_mongodb_command_duration_seconds',
    help: 'Database operations by the MongoDB command they send (no collection names) and outcome',
    labelNames: ['command', 'outcome'] as const,
    buckets: LATENCY,
    registers: [registry],
  });
  const audit = counter('jmb_audit_webhook_total', 'Audit webhook deliveries: delivered, retried, dropped', [
    'outcome',
    'reason',
  ]);

  return {
    registry,
    httpRequest: ({ method, route, status }, seconds) =>
      http.observe({ method, route, status: String(status) }, seconds),
    signIn: (method, outcome, acr) => signIns.inc({ method, outcome, acr: acr ?? 'none' }),
    refused: (budget) => refusals.inc({ budget }),
    otp: (event, channel, destination) =>
      otp[event].inc({ channel, calling_code: destinationLabel(channel, destination) }),
    passkeyRegistered: (realm) => passkeys.inc({ realm }),
    membersWithPasskey(count, cacheSeconds = 60) {
      let cached: { value: number; at: number } | undefined;
      new Gauge({
        name: 'jmb_members_with_passkey',
        help: `Members with at least one passkey (counted at most every ${cacheSeconds} s)`,
        registers: [registry],
        async collect() {
          const now = clock.now().getTime();
          if (!cached || now - cached.at > cacheSeconds * 1000) {
            // A database outage leaves the last value rather than failing the whole scrape.
            const value = await count().catch(() => cached?.value);
            if (value !== undefined) cached = { value, at: now };
          }
          if (cached) this.set(cached.value);
        },
      });
    },
    smsBudgets(states) {
      const read = () => states().catch(() => []);
      const gauge = (
        name: string,
        help: string,
        value: (state: Awaited<ReturnType<typeof states>>[number]) => number,
      ) =>
        new Gauge({
          name,
          help,
          labelNames: ['window'],
          registers: [registry],
          async collect() {
            for (const state of await read()) this.set({ window: state.window }, value(state));
          },
        });
      gauge('jmb_sms_budget_used', 'SMS sent in the current hour or day (all instances)', (state) => state.sent);
      gauge('jmb_sms_budget_limit', 'SMS_BUDGET_PER_HOUR and SMS_BUDGET_PER_DAY', (state) => state.limit);
      gauge('jmb_sms_circuit_open', '1 while a budget is used up and SMS are held back', (state) => Number(state.open));
    },
    grant: (grantType, outcome) => grants.inc({ grant_type: grantType, outcome }),
    tokenIssued: (kind, grantType) => tokens.inc({ kind, grant_type: grantType }),
    mongoCommand: (command, outcome, seconds) => mongo.observe({ command, outcome }, seconds),
    auditDelivery: (outcome, reason) => audit.inc({ outcome, reason: reason ?? 'none' }),
  };
}
