import mysql from 'mysql2/promise';
import type { FieldInfo } from '../../server/catalogue/record-schema.js';
import type { Connector, ConnectorContext, ConnectorFactory, ConnectorQuery, Row, SourceField } from '../contract.js';
import { COMPARISON_OPERATORS } from '../filter.js';
import { SqlBuilder, type SqlDialect } from '../sql/sql-builder.js';
import { parseTableOptions, SQL_SOURCE_TYPES, tableOptionFaults, tableReachFaults, type TableOptions } from '../sql/table-options.js';
import { coerceRow } from '../values.js';
import { probeHealth } from '../health.js';

/** MariaDB/MySQL: `utf8mb4_nopad_bin` compares by code point without ignoring trailing spaces. */
const dialect: SqlDialect = {
  quoteIdent: (name) => `\`${name.replace(/`/g, '``')}\``,
  placeholder: () => '?',
  binaryCollation: 'utf8mb4_nopad_bin',
  contains: (column, text) => `LOCATE(${text}, ${column}) > 0`,
  startsWith: (column, text, again) => `LEFT(${column}, CHAR_LENGTH(${text})) = ${again()}`,
};

const SYSTEM_DATABASES = new Set(['mysql', 'information_schema', 'performance_schema', 'sys']);

/** The database a connection string opens by default, where an unqualified table lives. */
function defaultDatabase(url: string | undefined): string | null {
  try {
    const name = decodeURIComponent(new URL(url ?? '').pathname.slice(1));
    return name || null;
  } catch {
    return null;
  }
}

class MysqlConnector implements Connector {
  readonly capabilities = {
    filter: { operators: [...COMPARISON_OPERATORS], and: true, or: true, not: true },
    orderBy: true,
    pagination: true,
    projection: true,
  };
  private pool: mysql.Pool | null = null;
  private readonly fields: Map<string, FieldInfo>;

  constructor(
    private readonly options: TableOptions,
    private readonly context: ConnectorContext,
  ) {
    this.fields = new Map(context.fields.map((f) => [f.name, f]));
  }

  private getPool(): mysql.Pool {
    if (!this.pool) {
      this.pool = mysql.createPool({
        uri: this.context.source.url,
        connectionLimit: 8,
        connectTimeout: this.context.timeoutMs,
        dateStrings: true,
        decimalNumbers: true,
        charset: 'utf8mb4',
        timezone: 'Z',
      });
    }
    return this.pool;
  }

  /** Runs one prepared statement; the connection is destroyed if the caller gives up. */
  private async run<T>(sql: string, params: unknown[], signal: AbortSignal): Promise<T> {
    signal.throwIfAborted();
    const connection = await this.getPool().getConnection();
    let destroyed = false;
    const onAbort = () => {
      destroyed = true;
      connection.destroy();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const [rows] = await connection.execute({ sql, timeout: this.context.timeoutMs }, params as never[]);
      return rows as T;
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (!destroyed) connection.release();
    }
  }

  private get table(): string {
    return this.options.schema ? `${dialect.quoteIdent(this.options.schema)}.${dialect.quoteIdent(this.options.table)}` : dialect.quoteIdent(this.options.table);
  }

  async describe(signal: AbortSignal): Promise<SourceField[]> {
    const rows = await this.run<{ COLUMN_NAME: string; DATA_TYPE: string; IS_NULLABLE: string; COLUMN_TYPE: string }[]>(
      'SELECT COLUMN_NAME, DATA_TYPE, IS_NULLABLE, COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
      [this.options.schema ?? null, this.options.table],
      signal,
    );
    return rows.map((r) => ({
      name: r.COLUMN_NAME,
      // Only TINYINT(1) is a boolean by convention; other tinyints are integers.
      type: r.DATA_TYPE === 'tinyint' && r.COLUMN_TYPE !== 'tinyint(1)' ? 'integer' : (SQL_SOURCE_TYPES[r.DATA_TYPE] ?? null),
      nullable: r.IS_NULLABLE === 'YES',
      sourceType: r.COLUMN_TYPE,
    }));
  }

  async *query(request: ConnectorQuery): AsyncIterable<Row> {
    const sql = new SqlBuilder(dialect, this.fields);
    const text = sql.select(this.table, request);
    // Prepared statements take LIMIT as text on some servers; the value is still a parameter.
    const params = sql.params.map((p) => (typeof p === 'boolean' ? Number(p) : p));
    const rows = await this.run<Record<string, unknown>[]>(text, params, request.signal);
    const wanted = request.fields.map((f) => this.fields.get(f)!);
    for (const row of rows) yield coerceRow(row, wanted);
  }

  health(signal: AbortSignal) {
    return probeHealth(() => this.run('SELECT 1', [], signal));
  }


  async close(): Promise<void> {
    await this.pool?.end();
    this.pool = null;
  }
}

export const mysqlConnector: ConnectorFactory = {
  type: 'mysql',
  validateOptions: tableOptionFaults,
  reachFaults: (options, source) => tableReachFaults(options, source, (schema) => SYSTEM_DATABASES.has(schema), defaultDatabase(source.url)),
  create: (options, context) => new MysqlConnector(parseTableOptions(options), context),
};
