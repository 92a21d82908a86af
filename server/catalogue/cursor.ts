import { badInput } from '../errors.js';

/** Opaque Relay cursors: base64url JSON of the sort key of the last item seen. */
export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string, path = 'after'): unknown[] {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key)) return key;
  } catch {
    // Reported below.
  }
  throw badInput('Invalid cursor.', [{ path, message: 'is not a cursor returned by this API' }]);
}

/** Checks `first` against the page-size cap and returns the effective page size. */
export function pageSize(first: number | null | undefined, max: number, fallback = 20): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 0 || size > max) {
    throw badInput(`first must be between 0 and ${max}.`, [{ path: 'first', message: `must be an integer from 0 to ${max}` }]);
  }
  return size;
}
