import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { FieldInfo, MaskSpec } from '../server/catalogue/record-schema.js';
import { defaultMask, maskValue } from '../server/governance/masks.js';

/** Unit specs of the masks a reader sees values through: each strategy, its bounds and its key. */
const secret = 'k'.repeat(32);
const mask = (value: unknown, spec: MaskSpec, key = secret) => maskValue(value, spec, key);
const partial = (value: unknown, keepStart?: number, keepEnd?: number) => mask(value, { strategy: 'PARTIAL', keepStart, keepEnd });

describe('every strategy', () => {
  it('gives null for a missing value, whatever the mask', () => {
    for (const strategy of ['REDACT', 'PARTIAL', 'HASH', 'YEAR_ONLY'] as const) {
      expect(mask(null, { strategy })).toBeNull();
      expect(mask(undefined, { strategy })).toBeNull();
    }
  });

  it('REDACT keeps nothing, of any type', () => {
    for (const value of ['Nguyễn Văn An', 0, 123_456, false, '']) expect(mask(value, { strategy: 'REDACT' })).toBeNull();
  });
});

describe('PARTIAL', () => {
  it('keeps the start and end asked for and stars the rest, one star per character', () => {
    expect(partial('079123456789', 3, 3)).toBe('079******789');
    expect(partial('079123456789', 2, 3)).toBe('07*******789');
    expect(partial('079123456789', 0, 2)).toBe('**********89');
    expect(partial('079123456789', 3, 0)).toBe('079*********');
  });

  it('keeps at most half of a value in clear, whatever the stored parameters say', () => {
    expect(partial('079123456789', -1, 0)).toBe('079*********');
    expect(partial('079123456789', 11, 0)).toBe('************');
    expect(partial('079123456789', 6, 0)).toBe('************');
    // Judged by the larger end as if kept at both ends: exactly half is still shown.
    expect(partial('12345678', 2, 2)).toBe('12****78');
    expect(partial('12345678', 2, 0)).toBe('12******');
    expect(partial('1234567', 2, 2)).toBe('*******');
    expect(partial('1234567', 2, 0)).toBe('*******');
    expect(partial('abcd', 1, 0)).toBe('a***');
    expect(partial('abc', 1, 0)).toBe('***');
    expect(partial('a', 1, 0)).toBe('*');
  });

  it('never shows more than half of a short value through masks that keep different ends', () => {
    // Ngô Hữu Hải: 11 characters; 3/3 would keep more than half, so 3/0 and 0/3 keep nothing either.
    expect(partial('Ngô Hữu Hải', 3, 3)).toBe('***********');
    expect(partial('Ngô Hữu Hải', 3, 0)).toBe('***********');
    expect(partial('Ngô Hữu Hải', 0, 3)).toBe('***********');
  });

  it('takes 3 and 3 for parameters that are missing or not non-negative integers', () => {
    expect(partial('079123456789')).toBe('079******789');
    expect(partial('079123456789', 1.5, Number.NaN)).toBe('079******789');
    expect(partial('079123456789', -1, 1)).toBe('079********9');
    // Too short for the default half: nothing in clear.
    expect(partial('12345')).toBe('*****');
  });

  it('counts by code point, so a masked Vietnamese name never keeps half a character', () => {
    expect(partial('Nguyễn', 1, 1)).toBe('N****n');
    expect(partial('Đặng Thị Ấn', 2, 1)).toBe('Đặ********n');
    expect(partial('𠀋𠀋𠀋𠀋', 1, 1)).toBe('𠀋**𠀋');
  });

  it('masks numbers as their text', () => {
    expect(partial(791234567890, 3, 3)).toBe('791******890');
  });
});

describe('HASH', () => {
  const hash = (value: unknown, key = secret) => mask(value, { strategy: 'HASH' }, key);

  it('is HMAC-SHA256 under the mask key, 32 hex characters', () => {
    expect(hash('079123456789')).toBe(createHmac('sha256', secret).update('079123456789').digest('hex').slice(0, 32));
    expect(hash('079123456789')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('is stable, so masked keys still join, and differs between values and keys', () => {
    const a = hash('079123456789');
    expect(hash('079123456789')).toBe(a);
    expect(hash('079123456788')).not.toBe(a);
    expect(hash('079123456789', 'x'.repeat(32))).not.toBe(a);
    // A number and its text are the same key.
    expect(hash(79123456789)).toBe(hash('79123456789'));
  });
});

describe('YEAR_ONLY', () => {
  it('keeps the year of a date or a date-time, as text', () => {
    const year = (value: unknown) => mask(value, { strategy: 'YEAR_ONLY' });
    expect(year('1990-05-04')).toBe('1990');
    expect(year('2024-02-29T23:59:59Z')).toBe('2024');
    // Anything but a date has no year to show: a stored YEAR_ONLY on text shows nothing of it.
    expect(year(1985)).toBeNull();
    expect(year('079123456789')).toBeNull();
    expect(year('Ngô Hữu Hải')).toBeNull();
  });
});

describe('the default mask', () => {
  const field = (mask?: MaskSpec): FieldInfo => ({ name: 'citizenId', type: 'string', nullable: false, required: true, pii: true, mask });

  it('is the field’s declared mask, else REDACT', () => {
    expect(defaultMask(field({ strategy: 'PARTIAL', keepStart: 2, keepEnd: 2 }))).toEqual({ strategy: 'PARTIAL', keepStart: 2, keepEnd: 2 });
    expect(defaultMask(field())).toEqual({ strategy: 'REDACT' });
  });
});
