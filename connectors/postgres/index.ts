import pg from 'pg';
import type { FieldInfo } from '../../server/catalogue/record-schema.js';
import type { Connector, ConnectorContext, ConnectorFactory, ConnectorQuery, Row, SourceField } from '../contract.js';
import { COMPARISON_OPERATORS } from '../filter.js';
import { SqlBuilder, type SqlDialect } from '../sql/sql-builder.js';
import { parseTableOptions, SQL_SOURCE_TYPES, tableOptionFaults, tableReachFaults, type TableOptions } from '../sql/table-options.js';
import { probeHealth } from '../health.js';

const dialect: SqlDialect = {
  quoteIdent: (name) => `"${name.replace(/"/g, '""')}"`,
  placeholder: (n) => `$${n}`,
  binaryCollation: '"C"',
  contains: (column, text) => `strpos(${column}, ${text}) > 0`,
  startsWith: (column, text) => `starts_with(${column}, ${text})`,
};

/** Values in the record schema's forms: dates as YYYY-MM-DD, timestamps as ISO, int8/numeric as numbers. */
const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    switch (oid) {
      case 1082: // date
        return (v: string) => v;
      case 1114: // timestamp
        return (v: string) => new Date(`${v.replace(' ', 'T')}Z`).toISOString();
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

class PostgresConnector implements Connector {
  readonly capabilities = {
    filter: { operators: [...COMPARISON_OPERATORS], and: true, or: true, not: true },
    orderBy: true,
    pagination: true,
    projection: true,
  };
  private pool: pg.Pool | null = null;
  private readonly fields: Map<string, FieldInfo>;
  private readonly schema: string;

  constructor(
    private readonly options: TableOptions,
    private readonly context: ConnectorContext,
  ) {
    this.fields = new Map(context.fields.map((f) => [f.name, f]));
    this.schema = options.schema ?? 'public';
  }

  private getPool(): pg.Pool {
    if (!this.pool) {
      this.pool = new pg.Pool({
        connectionString: this.context.source.url,
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
      [this.schema, this.options.table],
      signal,
    );
    return result.rows.map((r: { column_name: string; data_type: string; is_nullable: string }) => ({
      name: r.column_name,
      type: SQL_SOURCE_TYPES[r.data_type] ?? null,
      nullable: r.is_nullable === 'YES',
      sourceType: r.data_type,
    }));
  }

  async *query(request: ConnectorQuery): AsyncIterable<Row> {
    const sql = new SqlBuilder(dialect, this.fields);
    const text = sql.select(`${dialect.quoteIdent(this.schema)}.${dialect.quoteIdent(this.options.table)}`, request);
    const result = await this.run(text, sql.params, request.signal);
    yield* result.rows as Row[];
  }

  health(signal: AbortSignal) {
    return probeHealth(() => this.run('SELECT 1', [], signal));
  }


  async close(): Promise<void> {
    await this.pool?.end();
    this.pool = null;
  }
}

export const postgresConnector: ConnectorFactory = {
  type: 'postgres',
  validateOptions: tableOptionFaults,
  reachFaults: (options, source) => tableReachFaults(options, source, (schema) => schema === 'information_schema' || schema.startsWith('pg_'), 'public'),
  create: (options, context) => new PostgresConnector(parseTableOptions(options), context),
};
