import { createHmac } from 'node:crypto';
import type { FieldInfo, MaskSpec } from '../catalogue/record-schema.js';

/**
 * Masks applied to values after a read. HASH is a keyed HMAC-SHA256 with a platform secret, so
 * the same key masks to the same value in every dataset and masked keys still join, while nobody
 * without the secret can reverse or precompute them.
 */
export function maskValue(value: unknown, mask: MaskSpec, hashKey: string): unknown {
  if (value === null || value === undefined) return null;
  switch (mask.strategy) {
    case 'REDACT':
      return null;
    case 'PARTIAL': {
      // By code point, so a masked Vietnamese name never keeps half a character. Parameters are
      // validated where a mask is set; a stored one out of range still never keeps more, and
      // at least half of a value stays masked whatever it says.
      const chars = [...String(value)];
      const clamp = (n: number | undefined, fallback: number) => (typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : fallback);
      const start = clamp(mask.keepStart, 3);
      const end = clamp(mask.keepEnd, 3);
      // Judged by the larger end as if kept at both: views of one value under masks that keep
      // different ends (3/0 and 0/3) then still show at most half of it together.
      if (Math.max(start, end) * 4 > chars.length) return '*'.repeat(chars.length);
      return `${chars.slice(0, start).join('')}${'*'.repeat(chars.length - start - end)}${chars.slice(chars.length - end).join('')}`;
    }
    case 'HASH':
      return createHmac('sha256', hashKey).update(String(value)).digest('hex').slice(0, 32);
    case 'YEAR_ONLY':
      // Only a date has a year to show; anything else (a stored mask on a text field) shows nothing.
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 4) : null;
  }
}

/**
 * The positions a PARTIAL mask of `field` may ever keep in clear: those of its declared PARTIAL
 * mask, else three at each end. Every grant's PARTIAL mask keeps within this window, so what one
 * grantee sees of a value under several grants (and as an INTERNAL reader) never adds up to more.
 */
export function partialWindow(field: FieldInfo): { keepStart: number; keepEnd: number } {
  const declared = field.mask?.strategy === 'PARTIAL' ? field.mask : null;
  return { keepStart: declared?.keepStart ?? 3, keepEnd: declared?.keepEnd ?? 3 };
}

/** The mask a field gets when policy masks it without saying how: its declared one, else REDACT. */
export const defaultMask = (field: FieldInfo): MaskSpec => field.mask ?? { strategy: 'REDACT' };
