import type Provider from 'oidc-provider';
import type { Client } from 'oidc-provider';
import { isAdminAccount } from '../admins/library.js';
import type { AuditLibrary } from '../audit/library.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { isInternal } from './client-metadata.js';

/**
 * OpenID Connect Back-Channel Logout 1.0: every time a session ends (RP-initiated logout, the
 * member's security centre, an admin, a password reset) each app of that session that registered
 * a backchannel_logout_uri is sent a logout token. oidc-provider signs the token and posts it; we
 * take the sending out of the request: it runs in the background, is retried with backoff, and a
 * delivery that never succeeds is audited. The member's page never waits for an app.
 *
 * The provider's own consoles are relying apps of this very process: they are logged out here
 * directly (their console sessions end), never over the network.
 */
export type ConsoleLogout = (accountId: string, sid?: string) => Promise<void>;

export interface BackchannelLogout {
  /** Resolves when every delivery under way has succeeded or given up (tests, shutdown). */
  idle(): Promise<void>;
}

type Send = (this: Client, sub: string, sid: string) => Promise<void>;

const wait = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

export function installBackchannelLogout(
  provider: Provider,
  deps: {
    settings: Config['backchannelLogout'];
    audit: AuditLibrary;
    logger: Logger;
    consoleLogout: ConsoleLogout;
  },
): BackchannelLogout {
  const { settings, audit, logger } = deps;
  const proto = provider.Client.prototype as unknown as { backchannelLogout: Send };
  const send = proto.backchannelLogout;
  const underWay = new Set<Promise<void>>();

  const failed = (client: Client, sub: string, attempts: number, reason: string) =>
    audit.record({
      type: 'logout.backchannel_failed',
      outcome: 'failure',
      clientId: client.clientId,
      ...(isAdminAccount(sub) ? {} : { memberId: sub }),
      actor: 'system',
      detail: { attempts, reason: reason.slice(0, 200) },
    });

  async function deliver(client: Client, sub: string, sid: string): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await send.call(client, sub, sid);
        return;
      } catch (error) {
        const reason = (error as Error).message;
        if (attempt >= settings.attempts) return failed(client, sub, attempt, reason);
        logger.warn({ client: client.clientId, attempt, reason }, 'back-channel logout not delivered; will retry');
        await wait(settings.retryDelayMs * 4 ** (attempt - 1));
      }
    }
  }

  proto.backchannelLogout = async function backchannelLogout(sub, sid) {
    if (isInternal(this)) return deps.consoleLogout(sub, sid);
    if (underWay.size >= settings.maxPending) {
      await failed(this, sub, 0, 'too many deliveries under way');
      return;
    }
    const delivery = deliver(this, sub, sid).finally(() => underWay.delete(delivery));
    underWay.add(delivery);
  };

  return {
    async idle() {
      while (underWay.size) await Promise.allSettled([...underWay]);
    },
  };
}
