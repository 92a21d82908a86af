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
      const text = String(value);
      const start = mask.keepStart ?? 3;
      const end = mask.keepEnd ?? 3;
      if (text.length <= start + end) return '*'.repeat(text.length);
      return `${text.slice(0, start)}${'*'.repeat(text.length - start - end)}${end > 0 ? text.slice(-end) : ''}`;
    }
    case 'HASH':
      return createHmac('sha256', hashKey).update(String(value)).digest('hex').slice(0, 32);
    case 'YEAR_ONLY':
      return String(value).slice(0, 4);
  }
}

/** The mask a field gets when policy masks it without saying how: its declared one, else REDACT. */
export const defaultMask = (field: FieldInfo): MaskSpec => field.mask ?? { strategy: 'REDACT' };
