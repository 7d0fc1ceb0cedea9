import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { AdminLibrary } from './admins/library.js';
import type { AuditLibrary } from './audit/library.js';
import type { BrowsersLibrary } from './browsers/library.js';
import type { ClientsLibrary } from './clients/library.js';
import type { Clock } from './clock.js';
import type { Config, Secrets } from './config.js';
import type { ConsoleRelyingParty } from './console/relying-party.js';
import type { ConsoleSessions } from './console/sessions.js';
import type { RateLimiter } from './limits/library.js';
import type { Logger } from './log.js';
import type { MembersLibrary } from './members/library.js';
import type { Messenger } from './messaging/messenger.js';
import type { Notices } from './notices/library.js';
import type { Metrics } from './observability/metrics.js';
import type { BackchannelLogout } from './oidc/backchannel.js';
import type { ProviderRecords } from './oidc/records.js';
import type { MemberSessions } from './oidc/sessions.js';
import type { OtpLibrary } from './otp/library.js';
import type { SmsGuard } from './otp/sms-guard.js';
import type { PasskeyLibrary } from './passkeys/library.js';
import type { RecoveryLibrary } from './recovery/library.js';
import type { CookieSigner } from './security/cookie-signer.js';
import type { Hmac } from './security/hmac.js';

/**
 * Everything a route needs, wired once per app (app.ts): libraries, never models. Routes receive
 * it instead of importing singletons, so a test can build a real app on its own database and clock.
 */
export interface AppContext {
  config: Config;
  secrets: Secrets;
  logger: Logger;
  clock: Clock;
  /** Prometheus metrics of this app (its own registry). */
  metrics: Metrics;
  hmac: Hmac;
  /** Signs and checks every cookie (COOKIE_KEYS), ours and oidc-provider's. */
  cookieSigner: CookieSigner;
  limiter: RateLimiter;
  /** Whether the database answers (readiness probe). */
  databaseReachable(): Promise<boolean>;
  members: MembersLibrary;
  audit: AuditLibrary;
  messenger: Messenger;
  notices: Notices;
  /** The browsers each member has signed in with (new-browser notices). */
  browsers: BrowsersLibrary;
  otp: OtpLibrary;
  /** The SMS toll-fraud controls: whether SMS can go now (the code pages), the budgets (metrics). */
  smsGuard: SmsGuard;
  passkeys: PasskeyLibrary;
  admins: AdminLibrary;
  adminPasskeys: PasskeyLibrary;
  clients: ClientsLibrary;
  consoles: { sessions: ConsoleSessions; accountRp: ConsoleRelyingParty; adminRp: ConsoleRelyingParty };
  /**
   * localUrl: set once the server listens, where this process can reach itself over loopback.
   * draining: set on SIGTERM, so /readyz turns the load balancer away while requests finish.
   */
  runtime: { localUrl?: string | undefined; draining?: boolean };
  provider: Provider;
  /** Removal of what the provider stored: revocation, ending sessions. */
  providerRecords: ProviderRecords;
  /** Ends every session (provider and My account) and every token of a member; how many sessions. */
  signOutEverywhere(memberId: string): Promise<number>;
  /** Forgotten passwords: self-service and the service centre's links. */
  recovery: RecoveryLibrary;
  /** A member's signed-in browsers and connected apps (the security centre), and ending them. */
  memberSessions: MemberSessions;
  /** Logout tokens to relying apps, sent in the background (idle() waits for them). */
  backchannel: BackchannelLogout;
  /** oidc-provider's endpoints (/auth, /token, /me, …) with what we put around them. */
  protocolEndpoints: Middleware;
}
