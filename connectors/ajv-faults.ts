import type { ErrorObject } from 'ajv';
import type { Fault } from './errors.js';

/**
 * Turns ajv errors into faults with dotted paths (`input.recordSchema.properties.age.type`).
 * Compiled with `verbose`, a schema may word its own fault: an `x-fault` message on a property
 * replaces ajv's for every error of that property, and an unknown property is told the known ones.
 */
export function ajvFaults(errors: ErrorObject[] | null | undefined, basePath: string): Fault[] {
  const seen = new Set<string>();
  const faults: Fault[] = [];
  for (const error of errors ?? []) {
    const pointer = error.instancePath
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const parent: unknown = error.parentSchema;
    let declared = worded(parent);
    if (error.keyword === 'required') {
      const missing = String(error.params['missingProperty']);
      pointer.push(missing);
      declared = worded(propertiesOf(parent)?.[missing]);
    }
    if (error.keyword === 'additionalProperties') pointer.push(String(error.params['additionalProperty']));
    const path = [basePath, ...pointer].filter(Boolean).join('.');
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'enum') message = `must be one of ${(error.params['allowedValues'] as unknown[]).join(', ')}`;
    if (error.keyword === 'additionalProperties') {
      const known = Object.keys(propertiesOf(parent) ?? {});
      message = known.length > 0 && parent !== undefined ? `is not an allowed property; use ${known.join(', ')}` : 'is not an allowed property';
    } else if (declared) message = declared;
    const key = `${path}|${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      faults.push({ path, message });
    }
  }
  return faults;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function worded(schema: unknown): string | undefined {
  return isObject(schema) && typeof schema['x-fault'] === 'string' ? schema['x-fault'] : undefined;
}

function propertiesOf(schema: unknown): Record<string, unknown> | undefined {
  return isObject(schema) && isObject(schema['properties']) ? schema['properties'] : undefined;
}
