import Bowser from 'bowser';
import type { Translate } from '../i18n/index.js';

/**
 * A browser as a member recognises it ("Chrome 131 on Windows", "Safari 17 on iOS 17.5
 * (iPhone)"), from the User-Agent header it sent. Browsers freeze the version of Windows, macOS
 * and Android they report (Windows 11 says 10, every Mac says 10.15): only iOS's is shown.
 */
const major = (version: string | undefined) => version?.split('.')[0] ?? '';

export function describeBrowser(userAgent: string | undefined, t: Translate): string {
  if (!userAgent) return t('security.browser.unknown');
  const { browser, os, platform } = Bowser.parse(userAgent);
  const name = browser.name ? [browser.name, major(browser.version)].filter(Boolean).join(' ') : '';
  let system = os.name ? [os.name, os.name === 'iOS' ? os.version : ''].filter(Boolean).join(' ') : '';
  if (system && platform.model) system += ` (${platform.model})`;
  if (name && system) return t('security.browser.on', { browser: name, os: system });
  return name || system || t('security.browser.unknown');
}

/** An IPv4 address as people write it, without the IPv6 mapping a dual-stack socket adds. */
export const readableIp = (ip: string) => ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
