import type { ErrorObject } from 'ajv';
import type { FaultDetail } from './errors.js';

/** Turns ajv errors into API fault details with dotted paths (`input.recordSchema.properties.age.type`). */
export function ajvFaults(errors: ErrorObject[] | null | undefined, basePath: string): FaultDetail[] {
  const seen = new Set<string>();
  const faults: FaultDetail[] = [];
  for (const error of errors ?? []) {
    const pointer = error.instancePath
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (error.keyword === 'required') pointer.push(String(error.params['missingProperty']));
    if (error.keyword === 'additionalProperties') pointer.push(String(error.params['additionalProperty']));
    const path = [basePath, ...pointer].filter(Boolean).join('.');
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'enum') message = `must be one of ${(error.params['allowedValues'] as unknown[]).join(', ')}`;
    if (error.keyword === 'additionalProperties') message = 'is not an allowed property';
    const key = `${path}|${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      faults.push({ path, message });
    }
  }
  return faults;
}

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
