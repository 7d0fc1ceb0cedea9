import { type HTMLElement, parse } from 'node-html-parser';
import { en } from '../../src/i18n/messages/en.js';

/**
 * Every page and JSON answer a test reads is checked for a message placeholder left unfilled
 * ("{minutes}"): a request that shows one fails, whatever the test was about.
 */
const PLACEHOLDER_NAMES = [
  ...new Set(Object.values(en).flatMap((text) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!))),
];
const UNFILLED = new RegExp(`\\{(${PLACEHOLDER_NAMES.join('|')})\\}`);

export function assertNoUnfilledPlaceholder(url: string, body: string): void {
  const found = UNFILLED.exec(body);
  if (found)
    throw new Error(
      `unfilled message placeholder ${found[0]} in the answer to ${url}: …${body.slice(Math.max(0, found.index - 80), found.index + 40)}…`,
    );
}

/**
 * A minimal browser over fetch: a cookie jar that honours Path, Max-Age and host, manual
 * redirects, and HTML forms. Enough to walk the provider's pages exactly as a browser would,
 * including across two instances behind one "load balancer" (same host, different ports).
 */
interface Cookie {
  name: string;
  value: string;
  host: string;
  path: string;
  expires?: number;
}

export interface Page {
  status: number;
  url: string;
  headers: Headers;
  body: string;
  html: HTMLElement;
}

export interface Form {
  action: string;
  method: string;
  fields: Record<string, string>;
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

export class Browser {
  cookies: Cookie[] = [];
  /** Extra headers sent with every request (e.g. Accept-Language). */
  headers: Record<string, string> = {};

  private store(url: URL, setCookies: string[]): void {
    for (const header of setCookies) {
      const [pair, ...attributes] = header.split(';').map((s) => s.trim());
      const eq = pair!.indexOf('=');
      const cookie: Cookie = { name: pair!.slice(0, eq), value: pair!.slice(eq + 1), host: url.hostname, path: '/' };
      let expired = false;
      for (const attribute of attributes) {
        const [key, value = ''] = attribute.split('=');
        const k = key!.toLowerCase();
        if (k === 'path') cookie.path = value || '/';
        if (k === 'max-age') {
          if (Number(value) <= 0) expired = true;
          else cookie.expires = Date.now() + Number(value) * 1000;
        }
        if (k === 'expires' && Date.parse(value) <= Date.now()) expired = true;
      }
      this.cookies = this.cookies.filter(
        (c) => !(c.name === cookie.name && c.host === cookie.host && c.path === cookie.path),
      );
      if (!expired && cookie.value !== '') this.cookies.push(cookie);
    }
  }

  cookieHeader(url: URL): string {
    const now = Date.now();
    return this.cookies
      .filter((c) => c.host === url.hostname && pathMatches(url.pathname, c.path) && (!c.expires || c.expires > now))
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  cookie(name: string): string | undefined {
    return this.cookies.find((c) => c.name === name)?.value;
  }

  async request(
    url: string,
    init: {
      method?: string;
      form?: Record<string, string>;
      json?: unknown;
      headers?: Record<string, string>;
      signal?: AbortSignal;
    } = {},
  ): Promise<Page> {
    const target = new URL(url);
    const headers: Record<string, string> = { ...this.headers, ...init.headers };
    const cookie = this.cookieHeader(target);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      headers.accept = 'application/json';
      body = JSON.stringify(init.json);
    }
    const response = await fetch(target, {
      method: init.method ?? (body !== undefined ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
      signal: init.signal,
    });
    this.store(target, response.headers.getSetCookie());
    const text = await response.text();
    assertNoUnfilledPlaceholder(target.href, text);
    return { status: response.status, url: target.href, headers: response.headers, body: text, html: parse(text) };
  }

  /**
   * Requests `url` and follows redirects until a page is reached, or until a redirect points at
   * a URL for which `stopAt` is true (e.g. the relying app's callback): that URL is returned.
   */
  async go(
    url: string,
    options: { form?: Record<string, string>; stopAt?: (url: string) => boolean } = {},
  ): Promise<Page> {
    let page = await this.request(url, { form: options.form });
    for (let hops = 0; page.status >= 300 && page.status < 400; hops += 1) {
      if (hops > 20) throw new Error('too many redirects');
      const next = new URL(page.headers.get('location')!, page.url).href;
      if (options.stopAt?.(next)) return { ...page, url: next };
      page = await this.request(next);
    }
    return page;
  }

  /** Submits a form found on `page` with some fields filled in. */
  async submit(
    page: Page,
    selector: string,
    values: Record<string, string> = {},
    options: { stopAt?: (url: string) => boolean } = {},
  ): Promise<Page> {
    const form = findForm(page, selector);
    return this.go(new URL(form.action, page.url).href, {
      form: { ...form.fields, ...values },
      stopAt: options.stopAt,
    });
  }
}

export function findForm(page: Page, selector: string): Form {
  const element = page.html.querySelector(selector);
  if (!element)
    throw new Error(`no form ${selector} on ${page.url} (status ${page.status}):\n${page.body.slice(0, 2000)}`);
  // What a browser would submit: inputs (checkboxes and radios only when checked), textareas,
  // and the selected option of each select.
  const fields: Record<string, string> = {};
  for (const input of element.querySelectorAll('input')) {
    const name = input.getAttribute('name');
    const type = input.getAttribute('type');
    if (!name || ((type === 'checkbox' || type === 'radio') && !input.hasAttribute('checked'))) continue;
    fields[name] = input.getAttribute('value') ?? (type === 'checkbox' ? 'on' : '');
  }
  for (const textarea of element.querySelectorAll('textarea')) {
    const name = textarea.getAttribute('name');
    if (name) fields[name] = textarea.text.replace(/^\n/, '');
  }
  for (const select of element.querySelectorAll('select')) {
    const name = select.getAttribute('name');
    const option = select.querySelector('option[selected]') ?? select.querySelector('option');
    if (name && option) fields[name] = option.getAttribute('value') ?? option.text;
  }
  return {
    action: element.getAttribute('action') ?? page.url,
    method: element.getAttribute('method') ?? 'get',
    fields,
  };
}

/** The visible text of the first element matching `selector`, whitespace collapsed. */
export function textOf(page: Page, selector: string): string {
  return page.html.querySelector(selector)?.text.replace(/\s+/g, ' ').trim() ?? '';
}

/** An answer's JSON, read field by field by the tests. */
// biome-ignore lint/suspicious/noExplicitAny: tests read whatever the endpoint answered
export type JsonData = Record<string, any>;

/** A JSON POST as the pages' scripts make it (CSRF token in a header); the parsed answer. */
export async function postJson(
  browser: Browser,
  url: string,
  body: unknown,
  csrf: string,
): Promise<{ status: number; data: JsonData }> {
  const page = await browser.request(url, { json: body, headers: { 'x-csrf-token': csrf } });
  let data: JsonData = {};
  try {
    data = JSON.parse(page.body) as JsonData;
  } catch {
    // not JSON
  }
  return { status: page.status, data };
}
