import mysql from 'mysql2/promise';
import type { RecordField } from '../schema.js';
import { refuseUnsupported } from '../capabilities.js';
import { withExactSort, type Connector, type ConnectorCapabilities, type ConnectorContext, type ConnectorFactory, type ConnectorQuery, type Row, type SourceField } from '../contract.js';
import { StatementRefused, type SourceRequestError } from '../errors.js';
import { COMPARISON_OPERATORS } from '../filter.js';
import { exactSortValues, SqlBuilder, type SqlDialect } from '../sql/sql-builder.js';
import { refusedValue, runStoppable, settledWithin, type RefusedValue } from '../sql/source-run.js';
import { SQL_SOURCE_TYPES, tableOptionsSchema, tableReachFaults, type TableOptions } from '../sql/table-options.js';
import { coerceRow } from '../values.js';
import { probeHealth } from '../health.js';

/** MariaDB/MySQL: `utf8mb4_nopad_bin` compares by code point without ignoring trailing spaces. */
export const mysqlDialect: SqlDialect = {
  quoteIdent: (name) => `\`${name.replace(/`/g, '``')}\``,
  placeholder: () => '?',
  binaryCollation: 'utf8mb4_nopad_bin',
  contains: (column, text) => `LOCATE(${text}, ${column}) > 0`,
  startsWith: (column, text, again) => `LEFT(${column}, CHAR_LENGTH(${text})) = ${again()}`,
  asText: (column) => `CAST(${column} AS CHAR)`,
  // MySQL compares text with a number as two doubles: the cursor's text is cast to an exact decimal first.
  exactValue: (placeholder, type) => (type === 'integer' ? `CAST(${placeholder} AS DECIMAL(65,0))` : type === 'number' ? `CAST(${placeholder} AS DECIMAL(65,30))` : placeholder),
};

/**
 * Errors for a value of the request the server cannot take (wrong date, number out of range,
 * text it cannot store): the client's fault. Others of SQLSTATE class 22 are taken as such too.
 */
const VALUE_ERRORS: Record<number, RefusedValue> = {
  1292: 'value not of the column type', // ER_TRUNCATED_WRONG_VALUE: an invalid date, or text that is no number
  1525: 'value not of the column type', // ER_WRONG_VALUE
  1411: 'value not of the column type', // ER_WRONG_VALUE_FOR_TYPE
  1367: 'value not of the column type', // ER_ILLEGAL_VALUE_FOR_TYPE
  1264: 'number out of range', // ER_WARN_DATA_OUT_OF_RANGE
  1690: 'number out of range', // ER_DATA_OUT_OF_RANGE
  1366: 'text the source cannot store', // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD ("incorrect string value")
  1406: 'text too long', // ER_DATA_TOO_LONG
};

/** The request's fault in a source error, if it is one: a value the source cannot take. */
export function mysqlRefusal(error: unknown): SourceRequestError | StatementRefused | null {
  if (!(error instanceof Error) || !('errno' in error) || typeof error.errno !== 'number') return null;
  const sqlState = 'sqlState' in error && typeof error.sqlState === 'string' ? error.sqlState : '';
  // Class 42 (an unknown column or table, a collation mismatch, a privilege withdrawn): the statement's, not the source's health.
  if (sqlState.startsWith('42')) return new StatementRefused(sqlState);
  const dataException = sqlState.startsWith('22');
  const kind = VALUE_ERRORS[error.errno] ?? (dataException ? 'invalid value' : null);
  return kind ? refusedValue(kind) : null;
}

/** ER_UNKNOWN_SYSTEM_VARIABLE: MySQL has no max_statement_time. */
const UNKNOWN_VARIABLE = 1193;

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
  readonly capabilities: ConnectorCapabilities = {
    filter: { operators: [...COMPARISON_OPERATORS], and: true, or: true, not: true },
    orderBy: true,
    pagination: true,
    projection: true,
  };
  private pool: mysql.Pool | null = null;
  private readonly fields: Map<string, RecordField>;
  /** Physical connections whose session already carries the statement time limit. */
  private readonly limited = new WeakSet<object>();
  /** Which session variable limits statement time on this server, once known. */
  private limitVariable: 'max_statement_time' | 'max_execution_time' | null = null;

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

  /**
   * The server stops a statement by itself once the source timeout has passed, even if the
   * gateway's KILL never reaches it: MariaDB's max_statement_time (seconds), MySQL's
   * max_execution_time (milliseconds, SELECT only, which is all a connector runs).
   */
  private async limitStatementTime(connection: mysql.PoolConnection): Promise<void> {
    if (this.limited.has(connection.connection)) return;
    const set = (variable: 'max_statement_time' | 'max_execution_time') =>
      connection.query(`SET SESSION ${variable} = ?`, [variable === 'max_statement_time' ? this.context.timeoutMs / 1000 : this.context.timeoutMs]);
    if (this.limitVariable) await set(this.limitVariable);
    else {
      try {
        await set('max_statement_time');
        this.limitVariable = 'max_statement_time';
      } catch (error) {
        if (!(error instanceof Error && 'errno' in error && error.errno === UNKNOWN_VARIABLE)) throw error;
        await set('max_execution_time');
        this.limitVariable = 'max_execution_time';
      }
    }
    this.limited.add(connection.connection);
  }

  private async acquire(): Promise<mysql.PoolConnection> {
    const connection = await this.getPool().getConnection();
    try {
      await this.limitStatementTime(connection);
      return connection;
    } catch (error) {
      connection.destroy();
      throw error;
    }
  }

  /**
   * Stops the statement a pooled connection is running: `KILL QUERY` from a connection of its
   * own (the pool may have none to spare), as the same account, which may always kill its own
   * statements. Gives up after the source timeout; the session limit then ends it.
   */
  private async killStatement(threadId: number): Promise<void> {
    const limit = this.context.timeoutMs;
    const opening = mysql.createConnection({ uri: this.context.source.url, connectTimeout: limit });
    await settledWithin(
      opening.then((control) => {
        // An idle connection's error would otherwise be thrown as an uncaught 'error' event.
        control.on('error', () => undefined);
        return control.query({ sql: 'KILL QUERY ?', timeout: limit }, [threadId]);
      }),
      limit,
    );
    // Closed whenever it opens, even after the wait above gave up on it.
    void opening.then(
      (control) => settledWithin(control.end(), limit).finally(() => control.destroy()),
      () => undefined,
    );
  }

  /**
   * Runs one prepared statement. If the caller gives up or the source timeout passes first, the
   * statement is killed on the server and the connection discarded.
   */
  private run<T>(sql: string, params: (string | number | null)[], signal: AbortSignal): Promise<T> {
    const limit = this.context.timeoutMs;
    return runStoppable({
      signal,
      timeoutMs: limit,
      acquire: () => this.acquire(),
      release: (connection) => connection.release(),
      execute: async (connection) => {
        try {
          const [rows] = await connection.execute(sql, params);
          return rows as T;
        } catch (error) {
          throw mysqlRefusal(error) ?? error;
        }
      },
      stop: async (connection, running) => {
        await this.killStatement(connection.threadId);
        await settledWithin(running, limit);
        // Never reused: a KILL that arrives late would hit whatever statement ran next on it.
        connection.destroy();
      },
    });
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

  async query(request: ConnectorQuery): Promise<Row[]> {
    refuseUnsupported(this.capabilities, request);
    const sql = new SqlBuilder(mysqlDialect, this.fields);
    const text = sql.select(this.options, { ...request, exactSort: true });
    // TINYINT(1) holds booleans as 0 and 1.
    const params = sql.params.map((p) => (typeof p === 'boolean' ? Number(p) : p));
    const rows = await this.run<Record<string, unknown>[]>(text, params, request.signal);
    const wanted = request.fields.map((f) => this.fields.get(f)!);
    return rows.map((raw) => {
      const row = coerceRow(raw, wanted);
      const exact = exactSortValues(raw, row, request.orderBy, this.fields);
      return exact ? withExactSort(row, exact) : row;
    });
  }

  health(signal: AbortSignal) {
    return probeHealth(() => this.run('SELECT 1', [], signal));
  }


  async close(): Promise<void> {
    await this.pool?.end();
    this.pool = null;
  }
}

export const mysqlConnector: ConnectorFactory<TableOptions> = {
  type: 'mysql',
  optionsSchema: tableOptionsSchema,
  reachFaults: (options, source) => tableReachFaults(options, source, (schema) => SYSTEM_DATABASES.has(schema), defaultDatabase(source.url)),
  create: (options, context) => new MysqlConnector(options, context),
};
