import { badInput, type AppError } from './errors.js';

/**
 * Relay-style paging, written once for every list of the API: opaque cursors (base64url JSON of
 * the sort key of the last item seen), the page-size check, and the page itself.
 */
export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export function invalidCursor(message = 'is not a cursor returned by this API', path = 'after'): AppError {
  return badInput('Invalid cursor.', [{ path, message }]);
}

export function encodeCursor(key: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

type KeyPart = 'string' | 'number';
type KeyOf<S extends readonly KeyPart[]> = { [I in keyof S]: S[I] extends 'string' ? string : number };

/** The sort key in `cursor`, checked against the shape the list sorts by; anything else is BAD_USER_INPUT. */
export function decodeCursor<const S extends readonly KeyPart[]>(cursor: string, shape: S, path = 'after'): KeyOf<S> {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor(undefined, path);
  }
  if (!isKey(key, shape)) throw invalidCursor(undefined, path);
  return key;
}

function isKey<const S extends readonly KeyPart[]>(key: unknown, shape: S): key is KeyOf<S> {
  return Array.isArray(key) && key.length === shape.length && shape.every((type, i) => typeof key[i] === type);
}

/** Checks `first` against the page-size cap and returns the effective page size. */
export function pageSize(first: number | null | undefined, max: number, fallback = 20): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 0 || size > max) {
    throw badInput(`first must be between 0 and ${max}.`, [{ path: 'first', message: `must be an integer from 0 to ${max}` }]);
  }
  return size;
}

/**
 * A keyset page from the `size + 1` items a list read: the look-ahead item only tells whether
 * there is a next page. `keyOf` gives an item's sort key, which its cursor holds.
 */
export function keysetPage<T>(fetched: T[], size: number, keyOf: (item: T) => readonly unknown[]): Connection<T> {
  const items = fetched.slice(0, size);
  const edges = items.map((node) => ({ cursor: encodeCursor(keyOf(node)), node }));
  return { edges, pageInfo: { hasNextPage: fetched.length > size, endCursor: edges.at(-1)?.cursor ?? null } };
}
