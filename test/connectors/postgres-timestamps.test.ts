import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoOfTimestamp, isoOfTimestamptz } from '../../connectors/postgres/type-parsers.js';

/** What the connector answered before it built the text itself: a Date's ISO form. */
const viaDate = (text: string) => new Date(`${text.replace(' ', 'T')}Z`).toISOString();

describe('PostgreSQL timestamps', () => {
  it('are written as Date#toISOString writes them, for every fraction PostgreSQL prints', () => {
    const pad = (n: number, width: number) => String(n).padStart(width, '0');
    fc.assert(
      fc.property(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), fc.integer({ min: 0, max: 999_999 }), fc.integer({ min: 0, max: 6 }), (date, micros, digits) => {
        const base = date.toISOString().slice(0, 19).replace('T', ' ');
        // PostgreSQL drops trailing zeros of the fraction, and the fraction when it is zero.
        const fraction = pad(micros, 6).slice(0, digits).replace(/0+$/, '');
        const text = fraction ? `${base}.${fraction}` : base;
        expect(isoOfTimestamp(text)).toBe(viaDate(text));
      }),
    );
  });

  it('with a time zone are the instant the text and its offset say, for every year PostgreSQL prints', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('0001-01-02T00:00:00Z'), max: new Date('9999-12-30T23:59:59Z'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 999_999 }),
        fc.constantFrom(0, 7 * 3600, -(3 * 3600 + 1800), 5 * 3600 + 45 * 60, 19 * 60 + 32),
        (date, micros, offsetSeconds) => {
          const instant = Math.floor(date.getTime() / 1000) * 1000;
          // The wall time PostgreSQL prints for the instant in a zone of this offset, written as it writes it.
          const wall = new Date(instant + offsetSeconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
          const fraction = String(micros).padStart(6, '0').replace(/0+$/, '');
          const size = Math.abs(offsetSeconds);
          const pad = (n: number) => String(n).padStart(2, '0');
          const zone = `${offsetSeconds < 0 ? '-' : '+'}${pad(Math.floor(size / 3600))}${size % 3600 ? `:${pad(Math.floor((size % 3600) / 60))}` : ''}${size % 60 ? `:${pad(size % 60)}` : ''}`;
          const text = `${wall}${fraction ? `.${fraction}` : ''}${zone}`;
          expect(isoOfTimestamptz(text)).toBe(new Date(instant + Math.floor(micros / 1000)).toISOString());
        },
      ),
    );
  });
});
