import { reachAllows, type ReachFault, type SourceCredential } from '../credentials.js';
import { IDENTIFIER, type SqlTable } from './sql-builder.js';

const OPTIONS = new Set(['table', 'schema', 'credentials', 'keyField']);

/** The binding's table (checked against IDENTIFIER again by the builder) and the credential it names. */
export interface TableOptions extends SqlTable {
  credentials: string;
}

/** Options shared by the SQL connectors: a table, optionally its schema, and a credential name. */
export function tableOptionFaults(options: Record<string, unknown>): ReachFault[] {
  const faults: ReachFault[] = [];
  for (const key of Object.keys(options)) if (!OPTIONS.has(key)) faults.push({ path: key, message: `is not an option; use ${[...OPTIONS].join(', ')}` });
  if (typeof options['table'] !== 'string' || !IDENTIFIER.test(options['table'])) faults.push({ path: 'table', message: 'must be a table name' });
  if (options['schema'] !== undefined && (typeof options['schema'] !== 'string' || !IDENTIFIER.test(options['schema']))) {
    faults.push({ path: 'schema', message: 'must be a schema name' });
  }
  if (typeof options['credentials'] !== 'string' || options['credentials'].length === 0) {
    faults.push({ path: 'credentials', message: 'must name a credential in the server configuration' });
  }
  if (options['keyField'] !== undefined && typeof options['keyField'] !== 'string') faults.push({ path: 'keyField', message: 'must be a field name' });
  return faults;
}

export function parseTableOptions(options: Record<string, unknown>): TableOptions {
  const parsed: TableOptions = { table: String(options['table']), credentials: String(options['credentials']) };
  if (typeof options['schema'] === 'string') parsed.schema = options['schema'];
  return parsed;
}

/**
 * A SQL binding may reach only the tables its credential lists, and never a system schema,
 * whatever the credential lists. `defaultSchema` is where an unqualified table lives.
 */
export function tableReachFaults(
  options: Record<string, unknown>,
  source: SourceCredential,
  systemSchemas: (schema: string) => boolean,
  defaultSchema: string | null,
): ReachFault[] {
  const parsed = parseTableOptions(options);
  const schema = parsed.schema ?? defaultSchema;
  if (schema === null) return [{ path: 'schema', message: 'must be given: the credential names no default database' }];
  if (systemSchemas(schema.toLowerCase())) return [{ path: 'schema', message: `"${schema}" is a system schema and is never reachable` }];
  if (!reachAllows(source.reach.tables, schema, parsed.table)) {
    return [{ path: 'table', message: `${schema}.${parsed.table} is not among the tables credential "${source.name}" may reach` }];
  }
  return [];
}

/** Every SQL connector reports its source's columns in these platform types. */
export const SQL_SOURCE_TYPES: Record<string, 'string' | 'integer' | 'number' | 'boolean' | 'date' | 'datetime'> = {
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
