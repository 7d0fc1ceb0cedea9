import type { TestApp } from './app.js';
import { Browser, type Page, textOf } from './browser.js';
import type { DeliveryStandIns } from './delivery.js';
import { authorizationUrl, type RelyingParty } from './rp.js';
import { codeIn } from './vonage.js';

/** User-Agent headers of two everyday browsers, so that pages can tell them apart. */
export const CHROME_ON_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
export const SAFARI_ON_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

export function browserWith(userAgent: string, language = 'en'): Browser {
  const browser = new Browser();
  browser.headers['user-agent'] = userAgent;
  browser.headers['accept-language'] = language;
  return browser;
}

/** The code of the latest one-time-password mail to `address` (notices may have come after it). */
export function lastCodeTo(delivery: DeliveryStandIns, address: string): string {
  const mail = delivery.smtp.inbox.findLast((m) => m.to.includes(address) && /\b\d{6}\b/.test(m.text));
  return codeIn(mail?.text);
}

/**
 * Signs in to My account through the provider's login page and completes the step-up with the
 * code e-mailed to the member; ends on `path` (default: the membership information page).
 */
export async function signInToAccount(
  app: TestApp,
  delivery: DeliveryStandIns,
  who: { number: string; password: string; email: string },
  browser: Browser,
  path = '/account',
): Promise<Page> {
  const login = await browser.go(`${app.baseUrl}${path}`);
  // A browser already signed in to the provider goes straight to the step-up (single sign-on).
  const verify = login.html.querySelector('form[action$="/login"]')
    ? await browser.submit(login, 'form[action$="/login"]', { membershipNumber: who.number, password: who.password })
    : login;
  const entry = await browser.submit(verify, 'form[action^="/account/verify/send"]');
  const page = await browser.submit(entry, 'form[action^="/account/verify/check"]', {
    code: lastCodeTo(delivery, who.email),
  });
  if (new URL(page.url).pathname !== path)
    throw new Error(`did not reach ${path}: ${page.url} ${textOf(page, '[role=alert]')}`);
  return page;
}

/** A silent authorization request (prompt=none): the callback URL it ends at (a code, or an error). */
export async function silentSignIn(browser: Browser, rp: RelyingParty): Promise<URL> {
  const pending = await authorizationUrl(rp, { prompt: 'none' });
  const page = await browser.go(pending.url, { stopAt: (url) => url.startsWith(rp.redirectUri) });
  return new URL(page.url);
}
