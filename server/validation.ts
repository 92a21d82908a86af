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
