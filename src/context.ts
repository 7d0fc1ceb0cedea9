import type { Connection } from 'mongoose';
import type Provider from 'oidc-provider';
import type { AdminLibrary } from './admin/library.js';
import type { AdminEnrolmentModel, AdminModel } from './admin/model.js';
import type { AuditModel } from './audit/model.js';
import type { AuditRecorder } from './audit/recorder.js';
import type { ClientsLibrary } from './clients/library.js';
import type { Clock } from './clock.js';
import type { ConsoleRelyingParty } from './console/relying-party.js';
import type { ConsoleSessionModel, ConsoleSessions } from './console/sessions.js';
import type { Config, Secrets } from './config.js';
import type { RateLimiter } from './http/rate-limit.js';
import type { Logger } from './log.js';
import type { MembersLibrary } from './members/library.js';
import type { MemberModel } from './members/model.js';
import type { Messenger } from './messaging/messenger.js';
import type { OtpLibrary } from './otp/library.js';
import type { OtpModel } from './otp/model.js';
import type { PasskeyLibrary } from './passkeys/library.js';
import type { ChallengeModel, PasskeyModel } from './passkeys/model.js';
import type { Hmac } from './security/hmac.js';

/**
 * Everything a route or library needs, wired once per app. Routes receive it instead of
 * importing singletons, so a test can build a real app on its own database and clock.
 */
export interface AppContext {
  config: Config;
  secrets: Secrets;
  logger: Logger;
  clock: Clock;
  connection: Connection;
  hmac: Hmac;
  limiter: RateLimiter;
  models: { members: MemberModel; codes: OtpModel; audit: AuditModel; consoleSessions: ConsoleSessionModel;
    passkeys: PasskeyModel;
    adminPasskeys: PasskeyModel;
    challenges: ChallengeModel;
    admins: AdminModel;
    adminEnrolments: AdminEnrolmentModel;
  };
  members: MembersLibrary;
  audit: AuditRecorder;
  messenger: Messenger;
  otp: OtpLibrary;
  passkeys: PasskeyLibrary;
  admins: AdminLibrary;
  adminPasskeys: PasskeyLibrary;
  consoles: { sessions: ConsoleSessions; accountRp: ConsoleRelyingParty; adminRp: ConsoleRelyingParty };
  /** Set once the server listens: where this process can reach itself over loopback. */
  runtime: { localUrl?: string | undefined };
  provider: Provider;
  clients: ClientsLibrary;
}
