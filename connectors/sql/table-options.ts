import type { BindingOptions } from '../contract.js';
import { reachAllows, type SourceCredential } from '../credentials.js';
import type { Fault } from '../errors.js';
import { BINDING_PROPERTIES } from '../options.js';
import type { FieldType } from '../schema.js';
import { IDENTIFIER, type SqlTable } from './sql-builder.js';
import type { JSONSchemaType } from 'ajv';

/** The binding's table (checked against IDENTIFIER again by the builder) and the credential it names. */
export interface TableOptions extends SqlTable, BindingOptions {}

/** Options shared by the SQL connectors: a table, optionally its schema, and a credential name. */
export const tableOptionsSchema: JSONSchemaType<TableOptions> = {
  type: 'object',
  required: ['table', 'credentials'],
  additionalProperties: false,
  properties: {
    ...BINDING_PROPERTIES,
    table: { type: 'string', pattern: IDENTIFIER.source, 'x-fault': 'must be a table name' },
    schema: { type: 'string', pattern: IDENTIFIER.source, nullable: true, 'x-fault': 'must be a schema name' },
  },
};

/**
 * A SQL binding may reach only the tables its credential lists, and never a system schema,
 * whatever the credential lists. `defaultSchema` is where an unqualified table lives.
 */
export function tableReachFaults(options: TableOptions, source: SourceCredential, systemSchemas: (schema: string) => boolean, defaultSchema: string | null): Fault[] {
  const schema = options.schema ?? defaultSchema;
  if (schema === null) return [{ path: 'schema', message: 'must be given: the credential names no default database' }];
  if (systemSchemas(schema.toLowerCase())) return [{ path: 'schema', message: `"${schema}" is a system schema and is never reachable` }];
  if (!reachAllows(source.reach.tables, schema, options.table)) {
    return [{ path: 'table', message: `${schema}.${options.table} is not among the tables credential "${source.name}" may reach` }];
  }
  return [];
}

/** The platform type of each column type the SQL connectors read (information_schema's names). */
export const SQL_SOURCE_TYPES: Record<string, FieldType> = {
  text: 'string',
  'character varying': 'string',
  character: 'string',
  varchar: 'string',
  char: 'string',
  mediumtext: 'string',
  longtext: 'string',
  uuid: 'string',
  smallint: 'integer',
  integer: 'integer',
  int: 'integer',
  bigint: 'integer',
  numeric: 'number',
  decimal: 'number',
  real: 'number',
  float: 'number',
  double: 'number',
  'double precision': 'number',
  boolean: 'boolean',
  tinyint: 'boolean',
  date: 'date',
  datetime: 'datetime',
  timestamp: 'datetime',
  'timestamp with time zone': 'datetime',
  'timestamp without time zone': 'datetime',
};
