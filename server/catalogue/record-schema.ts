import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FieldType, RecordField } from '../../connectors/schema.js';
import type { FaultDetail } from '../errors.js';
import { ajvFaults } from '../../connectors/ajv-faults.js';

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

/** A field as the catalogue knows it: the connectors' description, with what people and policies need. */
export interface FieldInfo extends RecordField {
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
const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

/**
 * Field names are GraphQL field names, enum values of the generated `…Field` enum and keys of the
 * portable filter all at once, so they must be legal, and unambiguous, in each of them.
 */
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
const FILTER_COMBINATORS = new Set(['and', 'or', 'not']);
const GRAPHQL_ENUM_LITERALS = new Set(['true', 'false', 'null']);

/** Why `name` cannot name a field (or a link) of a record type, or null when it can. */
export function fieldNameProblem(name: string): string | null {
  if (name.startsWith('__')) return 'names starting with "__" are reserved by GraphQL';
  if (!FIELD_NAME.test(name)) return 'must start with a letter and hold only letters, digits and _ (at most 63 characters)';
  if (FILTER_COMBINATORS.has(name)) return `"${name}" is reserved: the filter language combines conditions with and, or, not`;
  if (GRAPHQL_ENUM_LITERALS.has(name)) return `"${name}" is reserved: GraphQL cannot name an enum value true, false or null`;
  // Rows are plain objects: a field named after an inherited member would read that member where the source has no value.
  if (name in Object.prototype) return `"${name}" is reserved: every JavaScript object has a member of that name`;
  return null;
}

/**
 * Keywords that name a schema or pull another one in. A record schema is checked on its own and
 * served as one flat object; a reference would make it depend on, or claim the identity of,
 * schemas the platform does not control (its own meta-schema included).
 */
const REFERENCE_KEYWORDS: Record<string, string> = {
  $id: 'a record schema may not name itself or claim the identity of another schema',
  $anchor: 'a record schema may not name its parts for references',
  $dynamicAnchor: 'a record schema may not name its parts for references',
  $recursiveAnchor: 'a record schema may not name its parts for references',
  $ref: 'a record schema must be self-contained and may not refer to other schemas',
  $dynamicRef: 'a record schema must be self-contained and may not refer to other schemas',
  $recursiveRef: 'a record schema must be self-contained and may not refer to other schemas',
  $defs: 'a record schema is one flat object: declare every field under properties',
  definitions: 'a record schema is one flat object: declare every field under properties',
  $vocabulary: 'a record schema uses the standard 2020-12 vocabulary and may not declare its own',
};
/** Keywords whose values are data, not schemas: a `$ref` key inside an `enum` value is just data. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples', 'x-mask', 'required', 'type', 'format']);
/** Keywords whose keys are names (of fields, patterns) and whose values are schemas. */
const NAMED_SCHEMAS = new Set(['properties', 'patternProperties', 'dependentSchemas', '$defs', 'definitions']);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function referenceFaults(node: unknown, path: string, root: boolean): FaultDetail[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => referenceFaults(item, `${path}.${i}`, false));
  if (!isObject(node)) return [];
  const faults: FaultDetail[] = [];
  for (const [key, value] of Object.entries(node)) {
    const why = Object.hasOwn(REFERENCE_KEYWORDS, key) ? REFERENCE_KEYWORDS[key] : undefined;
    if (why) faults.push({ path: `${path}.${key}`, message: `is not allowed: ${why}` });
    else if (key === '$schema' && !root) faults.push({ path: `${path}.${key}`, message: 'is allowed only at the root of the record schema' });
    if (DATA_KEYWORDS.has(key)) continue;
    if (NAMED_SCHEMAS.has(key) && isObject(value)) {
      for (const [name, schema] of Object.entries(value)) faults.push(...referenceFaults(schema, `${path}.${key}.${name}`, false));
    } else {
      faults.push(...referenceFaults(value, `${path}.${key}`, false));
    }
  }
  return faults;
}

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

// Field names are checked by fieldNameProblem, which points at the offending name.
const platformShape = {
  type: 'object',
  required: ['type', 'properties'],
  properties: {
    $schema: { const: DRAFT_2020_12 },
    type: { const: 'object' },
    required: { type: 'array', items: { type: 'string' }, uniqueItems: true },
    additionalProperties: { type: 'boolean' },
    properties: {
      type: 'object',
      minProperties: 1,
      maxProperties: 200,
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

function recordSchemaAjv(options: { validateSchema: boolean }): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, ...options });
  addFormats.default(ajv);
  ajv.addKeyword({ keyword: 'x-pii', schemaType: 'boolean' });
  ajv.addKeyword({ keyword: 'x-mask', schemaType: 'object' });
  return ajv;
}

/**
 * The platform's own validators, compiled once from constants. Proposed record schemas are only
 * ever validated as data here, never compiled into this instance, so no proposal can add, replace
 * or remove a schema it holds (such as the 2020-12 meta-schema) and change how the next one is judged.
 */
const platform = recordSchemaAjv({ validateSchema: true });
const checkShape = platform.compile(platformShape);

function metaFaults(schema: unknown, basePath: string): FaultDetail[] {
  if (!isObject(schema)) return [];
  // ajv would look any other `$schema` up as a schema to validate against; the shape check names that fault.
  const $schema = schema['$schema'];
  if ($schema !== undefined && $schema !== DRAFT_2020_12) return [];
  return platform.validateSchema(schema) === true ? [] : ajvFaults(platform.errors, basePath);
}

/**
 * Compiles a proposed record schema on an instance of its own, thrown away afterwards. It has
 * been checked against the meta-schema already, so the instance skips that (and stays cheap).
 */
function compileFault(schema: RecordSchema, basePath: string): FaultDetail | null {
  try {
    recordSchemaAjv({ validateSchema: false }).compile(schema);
    return null;
  } catch (error) {
    return { path: basePath, message: error instanceof Error ? error.message : String(error) };
  }
}

/** Every fault of a proposed record schema, with paths under `basePath`; empty when it is servable. */
export function recordSchemaFaults(schema: unknown, basePath: string): FaultDetail[] {
  const ruleFaults = referenceFaults(schema, basePath, true);
  if (isObject(schema) && schema['$schema'] !== undefined && schema['$schema'] !== DRAFT_2020_12) {
    ruleFaults.push({ path: `${basePath}.$schema`, message: `must be ${DRAFT_2020_12}: record schemas are JSON Schema 2020-12` });
  }
  if (isObject(schema) && isObject(schema['properties'])) {
    for (const name of Object.keys(schema['properties'])) {
      const problem = fieldNameProblem(name);
      if (problem) ruleFaults.push({ path: `${basePath}.properties.${name}`, message: problem });
    }
  }
  const shapeFaults = checkShape(schema) ? [] : ajvFaults(checkShape.errors, basePath);
  const meta = metaFaults(schema, basePath);
  if (ruleFaults.length + meta.length + shapeFaults.length > 0) {
    // A fault found by several checks is reported once, in the platform's words.
    const seen = new Set(ruleFaults.map((f) => f.path));
    const unique = (faults: FaultDetail[]) => faults.filter((f) => !seen.has(f.path));
    const shape = unique(shapeFaults);
    shape.forEach((f) => seen.add(f.path));
    return [...ruleFaults, ...shape, ...unique(meta)];
  }
  const s = schema as RecordSchema;
  const faults: FaultDetail[] = [];
  for (const name of s.required ?? []) {
    if (!Object.hasOwn(s.properties, name)) faults.push({ path: `${basePath}.required`, message: `required field "${name}" is not among the properties` });
  }
  for (const [name, field] of Object.entries(s.properties)) {
    const format = field['format'];
    if ((format === 'date' || format === 'date-time') && baseType(field['type']) !== 'string') {
      faults.push({ path: `${basePath}.properties.${name}.format`, message: `format ${String(format)} applies to strings only` });
    }
    const mask = field['x-mask'];
    if (isObject(mask) && mask['strategy'] === 'YEAR_ONLY' && format !== 'date' && format !== 'date-time') {
      faults.push({ path: `${basePath}.properties.${name}.x-mask.strategy`, message: 'YEAR_ONLY applies to dates (format date or date-time) only' });
    }
  }
  if (faults.length > 0) return faults;
  const compiled = compileFault(s, basePath);
  return compiled ? [compiled] : [];
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

