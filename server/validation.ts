/**
 * GraphQL hands an omitted optional input field over as an explicit null; the domain treats both
 * as absent. Shallow: inside a record schema a null is data (`default: null`) and stays.
 */
export function withoutNulls<T extends object>(input: T): T {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null && v !== undefined)) as T;
}

/** The same at every depth, for inputs made only of GraphQL input objects (a typed `where`). */
export function withoutNullsDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNullsDeep);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(withoutNulls(value)).map(([k, v]) => [k, withoutNullsDeep(v)]));
  return value;
}
