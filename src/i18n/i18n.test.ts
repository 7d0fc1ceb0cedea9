import { describe, expect, it } from '@jest/globals';
import { negotiateLocale, translator } from './index.js';
import { en } from './messages/en.js';
import { ja } from './messages/ja.js';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('messages', () => {
  it('exist in Japanese for every English key, with the same placeholders', () => {
    for (const key of Object.keys(en) as Array<keyof typeof en>) {
      expect(ja[key]).toBeTruthy();
      expect({ key, placeholders: placeholders(ja[key]) }).toEqual({ key, placeholders: placeholders(en[key]) });
    }
  });

  it('fill placeholders', () => {
    expect(translator('en')('login.intro', { client: 'JAL' })).toBe('Sign in to JAL with your JMB membership number.');
  });
});

describe('language negotiation', () => {
  it('prefers the switcher, then ui_locales, then Accept-Language, then Japanese', () => {
    expect(negotiateLocale({ cookie: 'en', uiLocales: 'ja', acceptLanguage: 'ja' })).toBe('en');
    expect(negotiateLocale({ uiLocales: 'fr en-US', acceptLanguage: 'ja' })).toBe('en');
    expect(negotiateLocale({ acceptLanguage: 'fr;q=1, en-GB;q=0.8, ja;q=0.5' })).toBe('en');
    expect(negotiateLocale({ acceptLanguage: 'fr, de' })).toBe('ja');
    expect(negotiateLocale({ cookie: 'xx' })).toBe('ja');
  });
});

describe('the test browser', () => {
  it('refuses any page that shows a placeholder unfilled', async () => {
    const { assertNoUnfilledPlaceholder } = await import('../../test/support/browser.js');
    expect(() =>
      assertNoUnfilledPlaceholder('/x', translator('en')('passkey.register.expired', { minutes: 10 })),
    ).not.toThrow();
    expect(() => assertNoUnfilledPlaceholder('/x', 'More than {minutes} minutes have passed')).toThrow(
      /unfilled message placeholder \{minutes\}/,
    );
  });
});
