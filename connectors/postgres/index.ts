import pg from 'pg';
import type { FieldInfo } from '../../server/catalogue/record-schema.js';
import type { Connector, ConnectorContext, ConnectorFactory, ConnectorQuery, Row, SortKey, SourceField } from '../contract.js';
import { COMPARISON_OPERATORS, type Predicate } from '../filter.js';

interface PostgresOptions {
  table: string;
  schema: string;
  credentials: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Identifiers come only from the dataset's validated field names and options, and are always quoted. */
export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

function parseOptions(options: Record<string, unknown>): PostgresOptions {
  return {
    table: String(options['table']),
    schema: typeof options['schema'] === 'string' ? options['schema'] : 'public',
    credentials: String(options['credentials']),
  };
}

/** Maps values to the record schema's forms: dates as YYYY-MM-DD, timestamps as ISO, int8/numeric as numbers. */
const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    switch (oid) {
      case 1082: // date
        return (v: string) => v;
      case 1114: // timestamp
      case 1184: // timestamptz
        return (v: string) => new Date(v).toISOString();
      case 20: // int8
      case 1700: // numeric
        return (v: string) => Number(v);
      default:
        return pg.types.getTypeParser(oid, format as 'text');
    }
  }) as pg.CustomTypesConfig['getTypeParser'],
};

const SOURCE_TYPES: Record<string, FieldInfo['type']> = {
  text: 'string',
  'character varying': 'string',
  character: 'string',
  uuid: 'string',
  smallint: 'integer',
  integer: 'integer',
  bigint: 'integer',
  numeric: 'number',
  real: 'number',
  'double precision': 'number',
  boolean: 'boolean',
  date: 'date',
  'timestamp with time zone': 'datetime',
  'timestamp without time zone': 'datetime',
};

/** Builds parameterised SQL; user values only ever travel as parameters. */
export class SqlBuilder {
  readonly params: unknown[] = [];
  constructor(private readonly fields: Map<string, FieldInfo>) {}

  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  /** A column as compared: text compares by code point (COLLATE "C"), like the in-process engine. */
  column(field: string): string {
    const info = this.fields.get(field);
    if (!info) throw new Error(`unknown field ${field}`);
    return info.type === 'string' ? `${quoteIdent(field)} COLLATE "C"` : quoteIdent(field);
  }

  where(p: Predicate): string {
    switch (p.kind) {
      case 'and':
        return p.items.length ? `(${p.items.map((i) => this.where(i)).join(' AND ')})` : 'TRUE';
      case 'or':
        return p.items.length ? `(${p.items.map((i) => this.where(i)).join(' OR ')})` : 'FALSE';
      case 'not':
        return `(NOT ${this.where(p.item)})`;
      case 'cmp': {
        const raw = quoteIdent(p.field);
        const col = this.column(p.field);
        // Comparisons are two-valued: a null never matches, so NOT behaves as in-process.
        const guarded = (sql: string) => `(${raw} IS NOT NULL AND ${sql})`;
        switch (p.op) {
          case 'isNull':
            return p.value ? `(${raw} IS NULL)` : `(${raw} IS NOT NULL)`;
          case 'eq':
            return guarded(`${col} = ${this.param(p.value)}`);
          case 'ne':
            return guarded(`${col} <> ${this.param(p.value)}`);
          case 'lt':
            return guarded(`${col} < ${this.param(p.value)}`);
          case 'lte':
            return guarded(`${col} <= ${this.param(p.value)}`);
          case 'gt':
            return guarded(`${col} > ${this.param(p.value)}`);
          case 'gte':
            return guarded(`${col} >= ${this.param(p.value)}`);
          case 'in':
            return guarded(`${col} = ANY(${this.param(p.value)})`);
          case 'nin':
            return guarded(`NOT (${col} = ANY(${this.param(p.value)}))`);
          case 'contains':
            return guarded(`strpos(${raw}, ${this.param(p.value)}) > 0`);
          case 'startsWith':
            return guarded(`starts_with(${raw}, ${this.param(p.value)})`);
        }
      }
    }
  }

  orderBy(keys: SortKey[]): string {
    return keys.map((k) => `${this.column(k.field)} ${k.direction}`).join(', ');
  }

  /** Keyset condition "strictly after `after`" for a mixed-direction order. */
  after(keys: SortKey[], after: unknown[]): string {
    const alternatives = keys.map((key, i) => {
      const equal = keys.slice(0, i).map((k, j) => `${this.column(k.field)} = ${this.param(after[j])}`);
      const beyond = `${this.column(key.field)} ${key.direction === 'ASC' ? '>' : '<'} ${this.param(after[i])}`;
      return `(${[...equal, beyond].join(' AND ')})`;
    });
    return `(${alternatives.join(' OR ')})`;
  }
}

class PostgresConnector implements Connector {
  readonly capabilities = {
    filter: { operators: [...COMPARISON_OPERATORS], and: true, or: true, not: true },
    orderBy: true,
    pagination: true,
    projection: true,
  };
  private pool: pg.Pool | null = null;
  private readonly fields: Map<string, FieldInfo>;

  constructor(
    private readonly options: PostgresOptions,
    private readonly context: ConnectorContext,
  ) {
    this.fields = new Map(context.fields.map((f) => [f.name, f]));
  }

  private getPool(): pg.Pool {
    if (!this.pool) {
      const connectionString = this.context.credential(this.options.credentials);
      if (!connectionString) throw new Error(`no credentials configured under the name "${this.options.credentials}"`);
      this.pool = new pg.Pool({
        connectionString,
        max: 8,
        connectionTimeoutMillis: this.context.timeoutMs,
        statement_timeout: this.context.timeoutMs,
        types: typeParsers,
      });
      // An idle client that errors (source restarted) must not crash the gateway.
      this.pool.on('error', () => undefined);
    }
    return this.pool;
  }

  private get table(): string {
    return `${quoteIdent(this.options.schema)}.${quoteIdent(this.options.table)}`;
  }

  /** Runs one statement, destroying the connection if the caller gives up, so the source stops too. */
  private async run(sql: string, params: unknown[], signal: AbortSignal): Promise<pg.QueryResult> {
    signal.throwIfAborted();
    const client = await this.getPool().connect();
    let destroyed = false;
    const onAbort = () => {
      destroyed = true;
      client.release(new Error('cancelled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await client.query(sql, params);
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (!destroyed) client.release();
    }
  }

  async describe(signal: AbortSignal): Promise<SourceField[]> {
    const result = await this.run(
      'SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
      [this.options.schema, this.options.table],
      signal,
    );
    return result.rows.map((r: { column_name: string; data_type: string; is_nullable: string }) => ({
      name: r.column_name,
      type: SOURCE_TYPES[r.data_type] ?? null,
      nullable: r.is_nullable === 'YES',
      sourceType: r.data_type,
    }));
  }

  async *query(request: ConnectorQuery): AsyncIterable<Row> {
    const sql = new SqlBuilder(this.fields);
    const clauses: string[] = [];
    if (request.where) clauses.push(sql.where(request.where));
    if (request.after) clauses.push(sql.after(request.orderBy, request.after));
    let text = `SELECT ${request.fields.map(quoteIdent).join(', ')} FROM ${this.table}`;
    if (clauses.length) text += ` WHERE ${clauses.join(' AND ')}`;
    if (request.orderBy.length) text += ` ORDER BY ${sql.orderBy(request.orderBy)}`;
    if (request.limit !== null) text += ` LIMIT ${sql.param(request.limit)}`;
    const result = await this.run(text, sql.params, request.signal);
    yield* result.rows as Row[];
  }

  async health(signal: AbortSignal) {
    const started = performance.now();
    try {
      await this.run('SELECT 1', [], signal);
      return { ok: true, latencyMs: performance.now() - started };
    } catch (error) {
      return { ok: false, latencyMs: performance.now() - started, message: error instanceof Error ? error.message : String(error) };
    }
  }

  async close(): Promise<void> {
    await this.pool?.end();
    this.pool = null;
  }
}

export const postgresConnector: ConnectorFactory = {
  type: 'postgres',
  validateOptions(options) {
    const faults: { path: string; message: string }[] = [];
    if (typeof options['table'] !== 'string' || !IDENTIFIER.test(options['table'])) faults.push({ path: 'table', message: 'must be a table name' });
    if (typeof options['credentials'] !== 'string' || options['credentials'].length === 0) {
      faults.push({ path: 'credentials', message: 'must name a credential in the server configuration' });
    }
    if (options['schema'] !== undefined && (typeof options['schema'] !== 'string' || !IDENTIFIER.test(options['schema']))) {
      faults.push({ path: 'schema', message: 'must be a schema name' });
    }
    return faults;
  },
  create: (options, context) => new PostgresConnector(parseOptions(options), context),
};
