import { en } from './en.js';
import { vi, type MessageKey } from './vi.js';

export type { MessageKey };
export const LANGS = ['vi', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export const isLang = (value: unknown): value is Lang => typeof value === 'string' && (LANGS as readonly string[]).includes(value);

export const catalogues: Record<Lang, Record<MessageKey, string>> = { vi, en };
const locales: Record<Lang, string> = { vi: 'vi-VN', en: 'en-GB' };

export type Params = Record<string, string | number>;

/** Strings and formats of one language; every page takes one of these. */
export interface I18n {
  lang: Lang;
  t(key: MessageKey, params?: Params): string;
  /** Whether a key built at run time (an audit action, say) has a message. */
  has(key: string): key is MessageKey;
  date(value: Date | null | undefined): string;
  dateTime(value: Date | null | undefined): string;
  number(value: number): string;
}

const cache = new Map<Lang, I18n>();

export function i18n(lang: Lang): I18n {
  let found = cache.get(lang);
  if (!found) {
    const messages = catalogues[lang];
    const locale = locales[lang];
    const dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'Asia/Ho_Chi_Minh' });
    const dateTimeFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Ho_Chi_Minh' });
    const numberFormat = new Intl.NumberFormat(locale);
    found = {
      lang,
      // {name} placeholders; a missing parameter stays visible rather than vanishing.
      t: (key, params) => messages[key].replace(/\{(\w+)\}/g, (whole, name: string) => (params && name in params ? String(params[name]) : whole)),
      has: (key): key is MessageKey => Object.hasOwn(messages, key),
      date: (value) => (value ? dateFormat.format(value) : '—'),
      dateTime: (value) => (value ? dateTimeFormat.format(value) : '—'),
      number: (value) => numberFormat.format(value),
    };
    cache.set(lang, found);
  }
  return found;
}
