import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoOfTimestamp } from '../../connectors/postgres/index.js';

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
});
