import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FaultDetail } from '../errors.js';
import { ajvFaults } from '../validation.js';

/**
 * A dataset's record schema is JSON Schema 2020-12 restricted to what the gateway can serve:
 * one flat object whose properties are scalars (string, integer, number, boolean; dates as
 * strings with format date or date-time), each optionally nullable. Sensitivity is declared per
 * field with `x-pii` and an optional default `x-mask`.
 */
export const MASK_STRATEGIES = ['REDACT', 'PARTIAL', 'HASH', 'YEAR_ONLY'] as const;
export type MaskStrategy = (typeof MASK_STRATEGIES)[number];

export interface MaskSpec {
  strategy: MaskStrategy;
  keepStart?: number;
  keepEnd?: number;
}

export type FieldType = 'string' | 'integer' | 'number' | 'boolean' | 'date' | 'datetime';

export interface FieldInfo {
  name: string;
  type: FieldType;
  nullable: boolean;
  required: boolean;
  title?: string;
  description?: string;
  pii: boolean;
  mask?: MaskSpec;
  enum?: unknown[];
}

export type RecordSchema = Record<string, unknown> & {
  type: 'object';
  properties: Record<string, Record<string, unknown>>;
  required?: string[];
};

const SCALARS = ['string', 'integer', 'number', 'boolean'];

const maskSchema = {
  type: 'object',
  required: ['strategy'],
  additionalProperties: false,
  properties: {
    strategy: { enum: [...MASK_STRATEGIES] },
    keepStart: { type: 'integer', minimum: 0, maximum: 64 },
    keepEnd: { type: 'integer', minimum: 0, maximum: 64 },
  },
};

const platformShape = {
  type: 'object',
  required: ['type', 'properties'],
  properties: {
    $schema: { const: 'https://json-schema.org/draft/2020-12/schema' },
    type: { const: 'object' },
    required: { type: 'array', items: { type: 'string' }, uniqueItems: true },
    additionalProperties: { type: 'boolean' },
    properties: {
      type: 'object',
      minProperties: 1,
      maxProperties: 200,
      propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9_]{0,62}$' },
      additionalProperties: {
        type: 'object',
        required: ['type'],
        properties: {
          type: {
            anyOf: [
              { enum: SCALARS },
              { type: 'array', minItems: 2, maxItems: 2, uniqueItems: true, items: { enum: [...SCALARS, 'null'] }, contains: { const: 'null' } },
            ],
          },
          format: { enum: ['date', 'date-time', 'email', 'uri', 'uuid'] },
          'x-pii': { type: 'boolean' },
          'x-mask': maskSchema,
        },
      },
    },
  },
} as const;

const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);
ajv.addKeyword({ keyword: 'x-pii', schemaType: 'boolean' });
ajv.addKeyword({ keyword: 'x-mask', schemaType: 'object' });
const checkShape = ajv.compile(platformShape);

/** Every fault of a proposed record schema, with paths under `basePath`; empty when it is servable. */
export function recordSchemaFaults(schema: unknown, basePath: string): FaultDetail[] {
  const metaFaults = ajv.validateSchema(schema as object) ? [] : ajvFaults(ajv.errors, basePath);
  const shapeFaults = checkShape(schema) ? [] : ajvFaults(checkShape.errors, basePath);
  if (metaFaults.length + shapeFaults.length > 0) {
    // A fault found by both checks is reported once, in the platform's words.
    const shapePaths = new Set(shapeFaults.map((f) => f.path));
    return [...shapeFaults, ...metaFaults.filter((f) => !shapePaths.has(f.path))];
  }
  const s = schema as RecordSchema;
  const faults: FaultDetail[] = [];
  for (const name of s.required ?? []) {
    if (!(name in s.properties)) faults.push({ path: `${basePath}.required`, message: `required field "${name}" is not among the properties` });
  }
  for (const [name, field] of Object.entries(s.properties)) {
    const format = field['format'];
    if ((format === 'date' || format === 'date-time') && baseType(field['type']) !== 'string') {
      faults.push({ path: `${basePath}.properties.${name}.format`, message: `format ${String(format)} applies to strings only` });
    }
  }
  if (faults.length > 0) return faults;
  try {
    ajv.compile(s);
  } catch (error) {
    return [{ path: basePath, message: error instanceof Error ? error.message : String(error) }];
  } finally {
    ajv.removeSchema(s);
  }
  return [];
}

function baseType(type: unknown): string {
  return Array.isArray(type) ? String(type.find((t) => t !== 'null')) : String(type);
}

/** The fields of a valid record schema, in declaration order. */
export function fieldsOf(schema: RecordSchema): FieldInfo[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([name, field]) => {
    const base = baseType(field['type']);
    const format = field['format'];
    const type: FieldType = base === 'string' && format === 'date' ? 'date' : base === 'string' && format === 'date-time' ? 'datetime' : (base as FieldType);
    const info: FieldInfo = {
      name,
      type,
      nullable: Array.isArray(field['type']),
      required: required.has(name),
      pii: field['x-pii'] === true,
    };
    if (typeof field['title'] === 'string') info.title = field['title'];
    if (typeof field['description'] === 'string') info.description = field['description'];
    if (field['x-mask']) info.mask = field['x-mask'] as MaskSpec;
    if (Array.isArray(field['enum'])) info.enum = field['enum'];
    return info;
  });
}

