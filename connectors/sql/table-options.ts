const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export interface TableOptions {
  table: string;
  /** PostgreSQL schema or MySQL database; absent means the connection's default. */
  schema?: string;
  credentials: string;
}

/** Options shared by the SQL connectors: a table, optionally its schema, and a credential name. */
export function tableOptionFaults(options: Record<string, unknown>): { path: string; message: string }[] {
  const faults: { path: string; message: string }[] = [];
  if (typeof options['table'] !== 'string' || !IDENTIFIER.test(options['table'])) faults.push({ path: 'table', message: 'must be a table name' });
  if (options['schema'] !== undefined && (typeof options['schema'] !== 'string' || !IDENTIFIER.test(options['schema']))) {
    faults.push({ path: 'schema', message: 'must be a schema name' });
  }
  if (typeof options['credentials'] !== 'string' || options['credentials'].length === 0) {
    faults.push({ path: 'credentials', message: 'must name a credential in the server configuration' });
  }
  return faults;
}

export function parseTableOptions(options: Record<string, unknown>): TableOptions {
  const parsed: TableOptions = { table: String(options['table']), credentials: String(options['credentials']) };
  if (typeof options['schema'] === 'string') parsed.schema = options['schema'];
  return parsed;
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
