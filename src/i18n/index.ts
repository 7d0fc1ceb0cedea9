import { en, type MessageKey } from './messages/en.js';
import { ja } from './messages/ja.js';

export type { MessageKey };

/** The languages of every member-facing page, message and notice. */
export const LOCALES = ['ja', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

const catalogues: Record<Locale, Record<MessageKey, string>> = { en, ja };
export const DEFAULT_LOCALE: Locale = 'ja';
export const LANG_COOKIE = 'lang';

/** The {placeholders} of a message, read from its English text by the type checker. */
type Placeholders<S extends string> = S extends `${string}{${infer Name}}${infer Rest}`
  ? Name | Placeholders<Rest>
  : never;
export type MessageParams<K extends MessageKey> = Record<Placeholders<(typeof en)[K]>, string | number>;
/**
 * A message with placeholders cannot be asked for without their values (so a page never shows
 * "{minutes}"). Checked for every key written out; a key chosen at run time (a union) takes the
 * values of whichever message it may be.
 */
type ParamsArg<K extends MessageKey> = K extends MessageKey
  ? [Placeholders<(typeof en)[K]>] extends [never]
    ? [params?: Record<string, string | number>]
    : [params: MessageParams<K>]
  : never;
export type Translate = <K extends MessageKey>(key: K, ...params: ParamsArg<K>) => string;

export function translator(locale: Locale): Translate {
  const catalogue = catalogues[locale];
  return ((key: MessageKey, params?: Record<string, string | number>) => {
    const text = catalogue[key] ?? en[key] ?? key;
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  }) as Translate;
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** First supported language in a space-separated BCP 47 list (ui_locales) or an Accept-Language header. */
function firstSupported(tags: string[]): Locale | undefined {
  for (const tag of tags) {
    const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
    if (isLocale(primary)) return primary;
  }
  return undefined;
}

function parseAcceptLanguage(header: string): string[] {
  return header
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag ?? '', q: q ? Number(q.slice(2)) || 0 : 1 };
    })
    .filter((entry) => entry.tag && entry.q > 0)
    .sort((a, b) => b.q - a.q)
    .map((entry) => entry.tag);
}

/**
 * The member's explicit choice (the switcher's cookie) wins, then the relying app's ui_locales,
 * then the browser's Accept-Language. The cookie ranks first so that the switcher works even on
 * pages of an app that always sends ui_locales.
 */
export function negotiateLocale(input: {
  cookie?: string | undefined;
  uiLocales?: string | undefined;
  acceptLanguage?: string | undefined;
}): Locale {
  if (isLocale(input.cookie)) return input.cookie;
  if (input.uiLocales) {
    const fromHint = firstSupported(input.uiLocales.split(/\s+/));
    if (fromHint) return fromHint;
  }
  if (input.acceptLanguage) {
    const fromHeader = firstSupported(parseAcceptLanguage(input.acceptLanguage));
    if (fromHeader) return fromHeader;
  }
  return DEFAULT_LOCALE;
}

/** A date as members read it: in their language, in Japan time (the programme's home zone). */
export function formatJst(
  locale: Locale,
  date: Date,
  style: Pick<Intl.DateTimeFormatOptions, 'dateStyle' | 'timeStyle'>,
): string {
  return new Intl.DateTimeFormat(locale === 'ja' ? 'ja-JP' : 'en-GB', { ...style, timeZone: 'Asia/Tokyo' }).format(
    date,
  );
}
