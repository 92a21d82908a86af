import { createHash } from 'node:crypto';
import { connect as connectSocket } from 'node:net';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { RecordField } from '../schema.js';
import { refuseUnsupported } from '../capabilities.js';
import { withExactSort, type Connector, type ConnectorCapabilities, type ConnectorContext, type ConnectorFactory, type ConnectorQuery, type LinesPage, type LinesQuery, type Row, type SourceField } from '../contract.js';
import { SourceRequestError, StatementRefused, UnreadableValue } from '../errors.js';
import { COMPARISON_OPERATORS } from '../filter.js';
import { exactSortValues, needsExactSort, SqlBuilder, type SqlDialect } from '../sql/sql-builder.js';
import { refusedValue, runStoppable, settledWithin, type RefusedValue } from '../sql/source-run.js';
import { SQL_SOURCE_TYPES, tableOptionsSchema, tableReachFaults, type TableOptions } from '../sql/table-options.js';
import { probeHealth } from '../health.js';
import { CopyToLines } from './copy-lines.js';
import { conforms, typeParsers } from './type-parsers.js';
import { coerceValue } from '../values.js';

export const postgresDialect: SqlDialect = {
  quoteIdent: (name) => `"${name.replace(/"/g, '""')}"`,
  placeholder: (n) => `$${n}`,
  binaryCollation: '"C"',
  contains: (column, text) => `strpos(${column}, ${text}) > 0`,
  startsWith: (column, text) => `starts_with(${column}, ${text})`,
  asText: (column) => `(${column})::text`,
  // A parameter of no declared type takes the column's: the text is read exactly as that type.
  exactValue: (placeholder) => placeholder,
  // The text node-postgres would send as the parameter, quoted by its own escapeLiteral (quotes
  // doubled, backslashes doubled in an E'' string, so it holds under either setting of
  // standard_conforming_strings). A NUL would end the statement text early; as a parameter the
  // source refuses it, and so does this.
  literal: (value) => {
    const text = String(value);
    if (text.includes('\u0000')) throw refusedValue('text the source cannot store');
    return pg.escapeLiteral(text);
  },
};

/** SQLSTATE class 22 (data exception): a value of the request the source cannot take, the client's fault. */
const DATA_EXCEPTIONS: Record<string, RefusedValue> = {
  '22007': 'invalid date or time',
  '22008': 'invalid date or time',
  '22003': 'number out of range',
  '22P02': 'value not of the column type',
  '22021': 'text the source cannot store',
  '22P05': 'text the source cannot store',
  '22001': 'text too long',
};

/** The request's fault in a source error, if it is one: a value the source cannot take. */
export function postgresRefusal(error: unknown): SourceRequestError | StatementRefused | null {
  if (!(error instanceof pg.DatabaseError) || !error.code) return null;
  if (error.code.startsWith('42')) return new StatementRefused(error.code);
  if (!error.code.startsWith('22')) return null;
  return refusedValue(DATA_EXCEPTIONS[error.code] ?? 'invalid value');
}

/**
 * The protocol's CancelRequest on a connection of its own, as psql and libpq send it: the
 * postmaster checks the backend's key before any authentication, so it works even when the
 * account has no session to spare, and a pooler in between forwards it to the right backend.
 * Like libpq's PQcancel it is sent in clear; the key only lets its holder cancel this statement.
 */
function sendCancelRequest(client: pg.PoolClient, timeoutMs: number): Promise<void> {
  // node-postgres keeps the BackendKeyData on the client without declaring it in its types.
  const processID = 'processID' in client ? client.processID : null;
  const secretKey = 'secretKey' in client ? client.secretKey : null;
  if (typeof processID !== 'number' || typeof secretKey !== 'number') return Promise.resolve();
  const request = Buffer.alloc(16);
  request.writeInt32BE(16, 0);
  request.writeInt32BE(80877102, 4);
  request.writeInt32BE(processID, 8);
  request.writeInt32BE(secretKey, 12);
  return new Promise((resolve) => {
    const socket = client.host.startsWith('/') ? connectSocket(`${client.host}/.s.PGSQL.${client.port}`) : connectSocket(client.port, client.host);
    socket.setTimeout(timeoutMs, () => socket.destroy());
    socket.once('connect', () => socket.end(request));
    socket.on('error', () => undefined);
    // The server closes the connection once it has read the request.
    socket.once('close', () => resolve());
  });
}

/** Distinct statements prepared, process-wide; each connection holds at most this many. */
const MAX_PREPARED = 256;
const prepared = new Map<string, string>();

/**
 * The name a statement is prepared under, so that the source parses and plans it once per
 * connection rather than on every read (reads repeat a few shapes: by key, a page, a filter).
 * The builder emits only placeholders for values, so the text is a shape, never a value. Past
 * MAX_PREPARED shapes the rest run unprepared, so no client can fill the source's memory with
 * statements.
 */
function statementName(sql: string): string | null {
  const known = prepared.get(sql);
  if (known || prepared.size >= MAX_PREPARED) return known ?? null;
  const name = `kho_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
  prepared.set(sql, name);
  return name;
}

/**
 * The text, if it holds one statement: no `;` and no comment outside its quoted literals and
 * identifiers. COPY travels by the simple-query protocol, which runs every statement a text
 * holds, so this stands behind escapeLiteral should a value ever reach the text unescaped.
 */
export function singleStatement(sql: string): string {
  let quote: "'" | '"' | null = null;
  let backslashes = false;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (quote) {
      if (backslashes && c === '\\') i++;
      else if (c === quote && sql[i + 1] === quote) i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      // An E'' string (escapeLiteral writes ` E'…'` for a value holding a backslash) reads backslash escapes.
      backslashes = c === "'" && /(^|[^A-Za-z0-9_$])[Ee]$/.test(sql.slice(Math.max(0, i - 2), i));
    } else if (c === ';' || (c === '-' && sql[i + 1] === '-') || (c === '/' && sql[i + 1] === '*')) {
      throw new SourceRequestError('the connector refused the request: its COPY text is not one statement');
    }
  }
  if (quote) throw new SourceRequestError('the connector refused the request: its COPY text ends inside a quote');
  return sql;
}

/** One statement, prepared under its shape's name where it may be (statementName). */
async function statement(client: pg.PoolClient, sql: string, params: unknown[]): Promise<pg.QueryResult> {
  const name = statementName(sql);
  if (!name) return client.query(sql, params);
  return client.query({ text: sql, values: params, name }).catch((error: unknown) => {
    // Sessions shared behind one socket (embedded PGlite) already hold the name: run it unprepared.
    if (error instanceof pg.DatabaseError && error.code === '42P05') return client.query(sql, params);
    throw error;
  });
}

/**
 * The driver's type parsers see a value, not its column: an unreadable value is named by the one
 * requested field of its type, where there is only one.
 */
function namedField(error: unknown, requested: (RecordField | undefined)[]): unknown {
  if (!(error instanceof UnreadableValue) || error.field !== null) return error;
  const candidates = requested.filter((f) => f?.type === error.type);
  return candidates.length === 1 ? new UnreadableValue(error.type, candidates[0]!.name, error.message) : error;
}

class PostgresConnector implements Connector {
  readonly capabilities: ConnectorCapabilities = {
    filter: { operators: [...COMPARISON_OPERATORS], and: true, or: true, not: true },
    orderBy: true,
    pagination: true,
    projection: true,
  };
  private pool: pg.Pool | null = null;
  private readonly fields: Map<string, RecordField>;
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

  /**
   * Runs one statement. If the caller gives up or the source timeout passes first, the server is
   * told to cancel it and the connection is discarded; `statement_timeout` stops it on the server
   * even if the cancel request never arrives.
   */
  private run(sql: string, params: unknown[], signal: AbortSignal): Promise<pg.QueryResult> {
    return this.runOn(signal, (client) => statement(client, sql, params));
  }

  /** Runs `work` on one connection of the pool, stoppable as `run` describes. */
  private runOn<R>(signal: AbortSignal, work: (client: pg.PoolClient) => Promise<R>): Promise<R> {
    const pool = this.getPool();
    const limit = this.context.timeoutMs;
    return runStoppable({
      signal,
      timeoutMs: limit,
      acquire: () => pool.connect(),
      release: (client) => client.release(),
      async execute(client) {
        try {
          return await work(client);
        } catch (error) {
          throw postgresRefusal(error) ?? error;
        }
      },
      async stop(client, running) {
        await sendCancelRequest(client, limit);
        await settledWithin(running, limit);
        // Never reused: a cancel that arrives late would hit whatever statement ran next on it.
        client.release(new Error('statement cancelled'));
      },
    });
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

  /** The fields of a column whose type gives values that are not yet in the field's form (conforms), with nothing to check when there are none. */
  private unchecked(columns: { name: string; dataTypeID: number }[]): RecordField[] {
    return columns.flatMap((c) => {
      const field = this.fields.get(c.name);
      return field && !conforms(c.dataTypeID, field.type) ? [field] : [];
    });
  }

  /** The rows, with the values of columns of other types than their fields' read as those fields' types. */
  private checked(result: pg.QueryResult): Row[] {
    const rows: Row[] = result.rows;
    const unchecked = this.unchecked(result.fields);
    if (unchecked.length === 0) return rows;
    for (const row of rows) for (const field of unchecked) row[field.name] = coerceValue(field, row[field.name]);
    return rows;
  }

  async query(request: ConnectorQuery): Promise<Row[]> {
    refuseUnsupported(this.capabilities, request);
    const sql = new SqlBuilder(postgresDialect, this.fields);
    const text = sql.select({ schema: this.schema, table: this.options.table }, { ...request, exactSort: true });
    const result = await this.run(text, sql.params, request.signal).catch((error: unknown) => {
      throw namedField(error, request.fields.map((f) => this.fields.get(f)));
    });
    const rows: Row[] = this.checked(result);
    if (!needsExactSort(request.orderBy, this.fields)) return rows;
    return rows.map((raw) => {
      const row: Row = {};
      for (const f of request.fields) row[f] = raw[f];
      return withExactSort(row, exactSortValues(raw, raw, request.orderBy, this.fields) ?? []);
    });
  }

  /**
   * The page as lines (NDJSON or CSV) through COPY, which writes rows at the source's speed
   * where the row protocol cost the gateway microseconds a row. COPY takes no parameters, so the
   * request's values are written as literals (postgresDialect.literal) and the text is checked to
   * be one statement. The column types come from a prepared statement run before the COPY and
   * again after it: a type changed in between fails the page rather than have values written by
   * the wrong type's rule. No transaction holds them still instead: sessions shared behind one
   * socket (embedded PGlite) would share it.
   */
  async queryLines(request: LinesQuery): Promise<LinesPage> {
    const { members } = request;
    const columns = [...members, ...request.orderBy.map((k) => k.field).filter((f) => !members.includes(f))];
    const query: ConnectorQuery = { ...request, fields: columns, limit: request.limit + 1 };
    refuseUnsupported(this.capabilities, query);
    const table = { schema: this.schema, table: this.options.table };
    const typing = new SqlBuilder(postgresDialect, this.fields);
    const typingText = typing.select(table, { fields: columns, where: null, orderBy: [], after: null, limit: 0 });
    const copyText = singleStatement(`COPY (${new SqlBuilder(postgresDialect, this.fields, true).select(table, query)}) TO STDOUT`);
    return this.runOn(request.signal, async (client) => {
      const types = async () => (await statement(client, typingText, typing.params)).fields.map((f) => f.dataTypeID);
      const oids = await types();
      if (oids.length !== columns.length) throw new Error('the source described another number of columns than asked for');
      const transcriber = new CopyToLines(
        oids.map((oid, i) => {
          const name = columns[i]!;
          return { member: i < members.length ? name : null, oid, parse: typeParsers.getTypeParser(oid, 'text'), transform: this.checkedTransform(name, oid, request.transforms.get(name)) };
        }),
        request.limit,
        request.format,
      );
      const chunks: Buffer[] = [];
      let failed = false;
      let failure: unknown;
      for await (const chunk of client.query(copyTo(copyText))) {
        // After a failure the rest of the page is still read (at most limit + 1 rows), so that
        // the COPY ends and the connection stays usable; left unread, it held the connection and
        // the caller's slot until the source timeout.
        if (failed) continue;
        try {
          const out = transcriber.push(chunk as Buffer);
          if (out) chunks.push(out);
        } catch (error) {
          [failed, failure] = [true, error];
          chunks.length = 0;
        }
      }
      if (failed) throw failure;
      transcriber.end();
      const still = await types();
      if (still.some((oid, i) => oid !== oids[i])) throw new Error('the source changed a column type while the page was read');
      const texts = transcriber.lastTexts();
      return { chunks, rows: transcriber.rows, more: transcriber.more, last: texts && request.orderBy.map((k) => texts[columns.indexOf(k.field)]) };
    });
  }

  /** The engine's transform of a column (its mask), after reading its value as its field's type where its column type does not give that already. */
  private checkedTransform(name: string, oid: number, transform: ((value: unknown) => unknown) | undefined): ((value: unknown) => unknown) | undefined {
    const [field] = this.unchecked([{ name, dataTypeID: oid }]);
    if (!field) return transform;
    return transform ? (value) => transform(coerceValue(field, value)) : (value) => coerceValue(field, value);
  }

  health(signal: AbortSignal) {
    return probeHealth(() => this.run('SELECT 1', [], signal));
  }


  async close(): Promise<void> {
    await this.pool?.end();
    this.pool = null;
  }
}

export const postgresConnector: ConnectorFactory<TableOptions> = {
  type: 'postgres',
  optionsSchema: tableOptionsSchema,
  reachFaults: (options, source) => tableReachFaults(options, source, (schema) => schema === 'information_schema' || schema.startsWith('pg_'), 'public'),
  create: (options, context) => new PostgresConnector(options, context),
};
