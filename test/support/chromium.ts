import { type Browser, type BrowserContext, type CDPSession, chromium, type Page } from 'playwright-core';
import { chromiumExecutable } from './chromium-binary.js';

/**
 * Chromium (see chromium-binary.ts for which one) driven by playwright-core, with passkeys done for
 * real through the DevTools WebAuthn domain.
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: await chromiumExecutable(),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export interface VirtualAuthenticator {
  cdp: CDPSession;
  id: string;
  credentials(): Promise<
    Array<{
      credentialId: string;
      isResidentCredential: boolean;
      signCount: number;
      privateKey: string;
      rpId?: string;
      userHandle?: string;
    }>
  >;
  /** Re-adds every credential as resident (discoverable, offered by autofill) or not. */
  setDiscoverable(discoverable: boolean): Promise<void>;
}

/** Adds a CTAP2 authenticator with resident keys and user verification (internal = this device). */
export async function addAuthenticator(
  context: BrowserContext,
  page: Page,
  transport: 'internal' | 'hybrid' | 'usb' = 'internal',
): Promise<VirtualAuthenticator> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      ctap2Version: 'ctap2_1',
      transport,
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  const credentials = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
  // DevTools drops the user handle of a non-resident credential: keep it to make it resident again.
  const userHandles = new Map<string, string>();
  return {
    cdp,
    id: authenticatorId,
    credentials,
    async setDiscoverable(discoverable) {
      for (const credential of await credentials()) {
        if (credential.userHandle) userHandles.set(credential.credentialId, credential.userHandle);
        const userHandle = userHandles.get(credential.credentialId);
        await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: credential.credentialId });
        await cdp.send('WebAuthn.addCredential', {
          authenticatorId,
          credential: { ...credential, userHandle, isResidentCredential: discoverable },
        });
      }
    },
  };
}

/** DevTools gives credential ids in standard base64; WebAuthn JSON uses base64url. */
export const toBase64url = (base64: string) => Buffer.from(base64, 'base64').toString('base64url');
