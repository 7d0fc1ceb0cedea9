import { ACR } from '../assurance/acr.js';
import { INTERNAL_CLIENT_IDS } from '../clients/kinds.js';
import type { ClientsLibrary } from '../clients/library.js';
import type { Config } from '../config.js';
import { type ConsoleRelyingParty, createConsoleRelyingParty } from './relying-party.js';
import type { ConsoleName } from './sessions.js';

/**
 * The provider's own consoles as relying apps of the provider. The admin console's sign-ins are
 * asked for the passkey level by the provider itself: nothing else opens it.
 */
const CONSOLES: Record<ConsoleName, { clientId: string; name: string; scope: string; minAcr?: string }> = {
  account: { clientId: INTERNAL_CLIENT_IDS.account, name: 'My account', scope: 'openid' },
  admin: {
    clientId: INTERNAL_CLIENT_IDS.admin,
    name: 'Admin console',
    scope: 'openid admin:read admin:write',
    minAcr: ACR.passkey,
  },
};

export type ConsoleRelyingParties = Record<ConsoleName, ConsoleRelyingParty>;

/** The consoles' relying parties; pure (their secrets are derived, nothing is stored). */
export function consoleRelyingParties(
  config: Config,
  clients: ClientsLibrary,
  localUrl: () => string | undefined,
): ConsoleRelyingParties {
  const rp = (name: ConsoleName) =>
    createConsoleRelyingParty({
      config,
      client: {
        clientId: CONSOLES[name].clientId,
        secret: clients.internalSecret(CONSOLES[name].clientId),
        callbackPath: `/${name}/callback`,
        postLogoutPath: `/${name}/signed-out`,
        cookiePath: `/${name}`,
        scope: CONSOLES[name].scope,
      },
      localUrl,
    });
  return { account: rp('account'), admin: rp('admin') };
}

/**
 * Registers (or refreshes) the consoles' clients with this server's issuer. Only the server does
 * this at start-up: a command run with another ISSUER must never change what the server relies on.
 */
export async function registerConsoleClients(config: Config, clients: ClientsLibrary): Promise<void> {
  for (const [name, console] of Object.entries(CONSOLES)) {
    await clients.ensureInternal({
      clientId: console.clientId,
      name: console.name,
      redirectUri: `${config.issuer}/${name}/callback`,
      postLogoutRedirectUri: `${config.issuer}/${name}/signed-out`,
      backchannelLogoutUri: `${config.issuer}/${name}/backchannel-logout`,
      scope: 'openid',
      minAcr: console.minAcr,
    });
  }
}
