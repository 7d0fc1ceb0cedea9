import { describe, expect, it } from '@jest/globals';
import { translator } from '../i18n/index.js';
import { describeBrowser, readableIp } from './browser.js';

/** How the security centre and the new-browser notice name a browser, in both languages. */
describe('describeBrowser', () => {
  it.each([
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      'Chrome on Windows',
      'Windows の Chrome',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      'Safari on iPhone',
      'iPhone の Safari',
    ],
    ['curl/8.5.0', 'Unknown browser', '不明なブラウザ'],
    [undefined, 'Unknown browser', '不明なブラウザ'],
  ])('%s', (userAgent, english, japanese) => {
    expect(describeBrowser(userAgent, translator('en'))).toBe(english);
    expect(describeBrowser(userAgent, translator('ja'))).toBe(japanese);
  });

  it('shows IPv4 addresses without their IPv6 mapping', () => {
    expect(readableIp('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(readableIp('2001:db8::1')).toBe('2001:db8::1');
  });
});
