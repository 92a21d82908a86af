import type { FieldType } from '../connectors/schema.js';
import type { FieldInfo, RecordSchema } from '../server/catalogue/record-schema.js';
import { MASK_STRATEGIES } from '../server/catalogue/record-schema.js';
import type { DatasetLink } from '../server/catalogue/dataset.js';
import { badInput } from '../server/errors.js';

export const FIELD_TYPES: FieldType[] = ['string', 'integer', 'number', 'boolean', 'date', 'datetime'];

/** One row of the record-schema editor's field table. */
export interface FieldRow {
  name: string;
  type: string;
  title: string;
  required: boolean;
  nullable: boolean;
  pii: boolean;
  mask: string;
}

export const rowsOfFields = (fields: FieldInfo[]): FieldRow[] =>
  fields.map((f) => ({ name: f.name, type: f.type, title: f.title ?? '', required: f.required, nullable: f.nullable, pii: f.pii, mask: f.mask?.strategy ?? '' }));

/**
 * The JSON Schema a field table describes. Only the table's shape is checked here; names,
 * types and masks are validated by the catalogue like any record schema, with their paths.
 */
export function schemaOfRows(rows: FieldRow[]): RecordSchema {
  const properties: Record<string, Record<string, unknown>> = {};
  const required: string[] = [];
  for (const row of rows.filter((r) => r.name.trim())) {
    const name = row.name.trim();
    const base = row.type === 'date' ? { type: 'string', format: 'date' } : row.type === 'datetime' ? { type: 'string', format: 'date-time' } : { type: row.type };
    const property: Record<string, unknown> = { ...base, ...(row.nullable ? { type: [base.type, 'null'] } : {}) };
    if (row.title.trim()) property['title'] = row.title.trim();
    if (row.pii) {
      property['x-pii'] = true;
      if ((MASK_STRATEGIES as readonly string[]).includes(row.mask)) property['x-mask'] = row.mask === 'PARTIAL' ? { strategy: 'PARTIAL', keepStart: 3, keepEnd: 3 } : { strategy: row.mask };
    }
    properties[name] = property;
    if (row.required) required.push(name);
  }
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties, ...(required.length ? { required } : {}) };
}

export function parseJsonField(text: string, path: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badInput(`${path} is not JSON.`, [{ path: `input.${path}`, message: 'is not valid JSON' }]);
  }
}

export function linksOfRows(fields: string[], datasets: string[], targets: string[], names: string[]): DatasetLink[] {
  return fields
    .map((field, i) => ({ field: field.trim(), dataset: (datasets[i] ?? '').trim(), targetField: (targets[i] ?? '').trim(), as: (names[i] ?? '').trim() }))
    .filter((l) => l.field || l.dataset || l.targetField || l.as);
}

export const commaList = (text: string) => text.split(',').map((t) => t.trim()).filter(Boolean);
