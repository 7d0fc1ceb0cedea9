import Bowser from 'bowser';
import type { Translate } from '../i18n/index.js';

/**
 * A browser as a member recognises it ("Chrome 131 on Windows 10", "Safari 17 on iOS 17.5
 * (iPhone)"), from the User-Agent header it sent; major versions only.
 */
const major = (version: string | undefined) => version?.split('.')[0] ?? '';

export function describeBrowser(userAgent: string | undefined, t: Translate): string {
  if (!userAgent) return t('security.browser.unknown');
  const { browser, os, platform } = Bowser.parse(userAgent);
  const name = browser.name ? [browser.name, major(browser.version)].filter(Boolean).join(' ') : '';
  const version = os.name === 'Windows' || os.name === 'macOS' ? os.versionName : os.version;
  let system = os.name ? [os.name, version].filter(Boolean).join(' ') : '';
  if (system && platform.model) system += ` (${platform.model})`;
  if (name && system) return t('security.browser.on', { browser: name, os: system });
  return name || system || t('security.browser.unknown');
}
