import type { Translate } from '../i18n/index.js';
import { userAgentParts } from '../user-agent.js';

/**
 * A browser as the security centre and the new-browser notice name it, in the member's language
 * ("Chrome on Windows", "Windows の Chrome"), from the User-Agent header it sent.
 */
export function describeBrowser(userAgent: string | undefined, t: Translate): string {
  const { browser, system } = userAgentParts(userAgent);
  if (browser && system) return t('security.browser.on', { browser, os: system });
  return browser ?? system ?? t('security.browser.unknown');
}

/** An IPv4 address as people write it, without the IPv6 mapping a dual-stack socket adds. */
export const readableIp = (ip: string) => ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
