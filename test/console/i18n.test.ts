import { describe, expect, it } from 'vitest';
import { catalogues, i18n, LANGS } from '../../console/i18n/index.js';

/** Both languages have every key, with the same placeholders; dates and numbers follow the language. */
describe('message catalogues', () => {
  const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

  it('have the same keys in every language', () => {
    const keys = Object.keys(catalogues.vi).sort();
    expect(keys.length).toBeGreaterThan(300);
    for (const lang of LANGS) expect(Object.keys(catalogues[lang]).sort(), lang).toEqual(keys);
  });

  it('have the same placeholders for each key, no empty message, and Vietnamese in NFC', () => {
    for (const [key, vi] of Object.entries(catalogues.vi)) {
      for (const lang of LANGS) {
        const text = catalogues[lang][key as keyof typeof catalogues.vi];
        expect(text.trim(), `${lang} ${key}`).not.toBe('');
        expect(placeholders(text), `${lang} ${key}`).toEqual(placeholders(vi));
        expect(text, `${lang} ${key}`).toBe(text.normalize('NFC'));
      }
    }
  });

  it('differ where they should: the English is not the Vietnamese copied', () => {
    const same = Object.keys(catalogues.vi).filter((k) => catalogues.vi[k as keyof typeof catalogues.vi] === catalogues.en[k as keyof typeof catalogues.vi]);
    // Language names are written in their own language; "JSON Schema" is a name in both.
    expect(same).toEqual(['lang.vi', 'lang.en', 'publish.schemaJson']);
  });

  it('formats dates and numbers with Intl for vi-VN and English', () => {
    const at = new Date('2026-03-05T10:00:00Z');
    expect(i18n('vi').number(1234567.5)).toBe('1.234.567,5');
    expect(i18n('en').number(1234567.5)).toBe('1,234,567.5');
    expect(i18n('vi').date(at)).toMatch(/thg 3/);
    expect(i18n('en').date(at)).toMatch(/Mar/);
    // In Vietnam's time zone whatever the server's.
    expect(i18n('en').dateTime(new Date('2026-03-05T20:00:00Z'))).toMatch(/6 Mar 2026/);
    expect(i18n('vi').t('catalogue.count', { count: i18n('vi').number(1200) })).toBe('1.200 bộ dữ liệu');
  });
});
