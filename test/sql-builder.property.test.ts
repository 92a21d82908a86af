import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector, ConnectorContext, Row, SortKey } from '../connectors/contract.js';
import { SourceRequestError, StatementRefused } from '../connectors/errors.js';
import { openConnector } from './connectors/open.js';
import { compareRows, evaluate, isAfter, type ComparisonOperator, type Predicate } from '../connectors/filter.js';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { mysqlConnector, mysqlDialect, mysqlRefusal } from '../connectors/mysql/index.js';
import { postgresConnector, postgresDialect, postgresRefusal } from '../connectors/postgres/index.js';
import { SqlBuilder, type SelectRequest, type SqlDialect, type SqlTable } from '../connectors/sql/sql-builder.js';
import { fieldsOf, type FieldInfo, type RecordSchema } from '../server/catalogue/record-schema.js';
import { PEOPLE_SCHEMA, peopleRows } from './sample-rows.js';
import { MYSQL_URL, mysqlSource, PG_URL, postgresSource, type TestSource } from './sources.js';

/**
 * Properties of the SQL builder under random and hostile read requests: (a) whatever a request
 * holds, the SQL text is made only of the builder's own vocabulary (so no value of the request
 * can ever be read as SQL), and (b) the real servers answer random requests exactly as the
 * in-process evaluator does.
 */
const schema: RecordSchema = { ...PEOPLE_SCHEMA, type: 'object' };
const fields = fieldsOf(schema);
const fieldMap = new Map(fields.map((f) => [f.name, f]));
const rows = peopleRows(300);
const table: Row[] = rows.map((r) => ({ ...r }));
const KEY = 'citizenId';
const SORTABLE = fields.filter((f) => f.required && !f.nullable && f.name !== KEY).map((f) => f.name);

// ---------------------------------------------------------------------------------------------
// Random requests

/** Pieces of text that mean something to some SQL lexer; joined at random with arbitrary code points. */
const HOSTILE = [
  "'",
  "''",
  '"',
  '`',
  '\\',
  "\\'",
  '--',
  '#',
  ';',
  '/*',
  '*/',
  '%',
  '_',
  '$1',
  '$$',
  '?',
  ':name',
  ' OR 1=1',
  "' OR '1'='1",
  "'; DROP TABLE people; --",
  'ASC, (SELECT SLEEP(2))',
  '1; SELECT pg_sleep(2)',
  'E\'\\x27\'',
  '\u2028',
  '\u00a0',
  'Đặng',
  '😀',
  '\uFF07',
  '\t\r\n',
];

/** No NUL and no lone surrogate: the API edge refuses those before any connector sees them. */
const acceptable = (s: string) => !s.includes('\u0000') && !/\p{Cs}/u.test(s);

const hostileText: fc.Arbitrary<string> = fc
  .array(fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: 'binary', maxLength: 3 })), { maxLength: 5 })
  .map((parts) => parts.join(''))
  .filter(acceptable);

const valuesOf = (name: string) => [...new Set(table.map((r) => r[name]).filter((v) => v !== null && v !== undefined))];

/** A string operand: often a value the table holds (or a piece of one), so that comparisons match something. */
function textValue(name: string): fc.Arbitrary<string> {
  const held = valuesOf(name).map(String);
  return fc.oneof(
    fc.constantFrom(...held),
    fc.constantFrom(...held).chain((s) => fc.nat(s.length).chain((from) => fc.nat(s.length - from).map((n) => s.slice(from, from + n)))),
    hostileText,
  );
}

const isoDate = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));

function scalarValue(field: FieldInfo): fc.Arbitrary<string | number | boolean> {
  const held = valuesOf(field.name);
  switch (field.type) {
    case 'string':
      return textValue(field.name);
    case 'integer':
      return fc.oneof(fc.constantFrom(...held.map(Number)), fc.integer({ min: 1900, max: 2100 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
    case 'number':
      return fc.oneof(fc.constantFrom(...held.map(Number)), fc.integer({ min: -1e9, max: 1e9 }).map((n) => n / 1000), fc.integer({ min: 0, max: 600_000 }));
    case 'boolean':
      return fc.boolean();
    case 'date':
      return fc.oneof(fc.constantFrom(...held.map(String)), isoDate);
    case 'datetime':
      return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
  }
}

const cmp = (field: string, op: ComparisonOperator, value: unknown): Predicate => ({ kind: 'cmp', field, op, value });
const and = (items: Predicate[]): Predicate => ({ kind: 'and', items });
const or = (items: Predicate[]): Predicate => ({ kind: 'or', items });
const not = (item: Predicate): Predicate => ({ kind: 'not', item });

const ORDERED: ComparisonOperator[] = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte'];

const comparison: fc.Arbitrary<Predicate> = fc.constantFrom(...fields).chain((field) => {
  const ops: fc.Arbitrary<Predicate>[] = [
    fc.constantFrom(...ORDERED).chain((op) => scalarValue(field).map((v) => cmp(field.name, op, v))),
    fc.constantFrom<ComparisonOperator>('in', 'nin').chain((op) => fc.array(scalarValue(field), { maxLength: 4 }).map((v) => cmp(field.name, op, v))),
    fc.boolean().map((v) => cmp(field.name, 'isNull', v)),
  ];
  if (field.type === 'string') ops.push(fc.constantFrom<ComparisonOperator>('contains', 'startsWith').chain((op) => textValue(field.name).map((v) => cmp(field.name, op, v))));
  return fc.oneof(...ops);
});

const predicate: fc.Arbitrary<Predicate> = fc.letrec<{ node: Predicate }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', maxDepth: 4, withCrossShrink: true },
    comparison,
    fc.array(tie('node'), { maxLength: 3 }).map(and),
    fc.array(tie('node'), { maxLength: 3 }).map(or),
    tie('node').map(not),
  ),
})).node;

const direction = fc.constantFrom<'ASC' | 'DESC'>('ASC', 'DESC');

/** Sort fields in a random order, then always the key, as the engine sends them. */
const orderBy: fc.Arbitrary<SortKey[]> = fc
  .tuple(fc.shuffledSubarray(SORTABLE), fc.array(direction, { minLength: SORTABLE.length + 1, maxLength: SORTABLE.length + 1 }))
  .map(([names, dirs]) => [...names, KEY].map((field, i) => ({ field, direction: dirs[i]! })));

/** A cursor: the sort values of a row of the table, or values of the right types that no row need hold. */
function cursorFor(keys: SortKey[]): fc.Arbitrary<unknown[]> {
  const fromRow = fc.constantFrom(...table).map((r): unknown[] => keys.map((k) => r[k.field]));
  const made = fc.tuple(...keys.map((k) => scalarValue(fieldMap.get(k.field)!)));
  return fc.oneof(fromRow, made);
}

const request: fc.Arbitrary<SelectRequest> = orderBy.chain((keys) =>
  fc.record({
    fields: fc.subarray(fields.map((f) => f.name)).map((chosen) => [...new Set([...chosen, ...keys.map((k) => k.field)])]),
    where: fc.option(predicate, { nil: null }),
    orderBy: fc.constant(keys),
    after: fc.option(cursorFor(keys), { nil: null }),
    limit: fc.option(fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 1000 })), { nil: null }),
  }),
);

// ---------------------------------------------------------------------------------------------
// (a) The SQL text is made of the builder's vocabulary only

interface Vocabulary {
  dialect: SqlDialect;
  table: SqlTable;
  quote: RegExp;
  unquote: (inner: string) => string;
  placeholder: RegExp;
  functions: Set<string>;
  /** How the binary collation appears after COLLATE. */
  collation: { kind: 'ident' | 'word'; text: string };
}

const KEYWORDS = new Set(['SELECT', 'FROM', 'WHERE', 'AND', 'OR', 'NOT', 'IS', 'NULL', 'IN', 'ORDER', 'BY', 'ASC', 'DESC', 'LIMIT', 'COLLATE', 'AS']);

const DIALECTS: [string, Vocabulary][] = [
  [
    'postgres',
    {
      dialect: postgresDialect,
      table: { schema: 't_0a1b2c3d', table: 'people' },
      quote: /"((?:[^"]|"")*)"/y,
      unquote: (inner) => inner.replace(/""/g, '"'),
      placeholder: /\$([1-9][0-9]*)/y,
      functions: new Set(['strpos', 'starts_with', 'text']),
      collation: { kind: 'ident', text: 'C' },
    },
  ],
  [
    'mysql',
    {
      dialect: mysqlDialect,
      table: { table: 'people_0a1b2c3d' },
      quote: /`((?:[^`]|``)*)`/y,
      unquote: (inner) => inner.replace(/``/g, '`'),
      placeholder: /\?/y,
      functions: new Set(['LOCATE', 'LEFT', 'CHAR_LENGTH', 'CAST', 'DECIMAL', 'CHAR']),
      collation: { kind: 'word', text: 'utf8mb4_nopad_bin' },
    },
  ],
];

type Token = { kind: 'ident' | 'word' | 'placeholder' | 'number' | 'punct'; text: string; index?: number };

/** Splits SQL text into tokens of the builder's vocabulary; anything else is a violation. */
function tokenize(sql: string, v: Vocabulary): Token[] {
  const tokens: Token[] = [];
  const rules: [Token['kind'] | 'space', RegExp][] = [
    ['space', / +/y],
    ['ident', v.quote],
    ['placeholder', v.placeholder],
    ['word', /[A-Za-z_][A-Za-z0-9_]*/y],
    ['number', /[0-9]+/y],
    ['punct', /::|<>|<=|>=|[(),.=<>]/y],
  ];
  let at = 0;
  outer: while (at < sql.length) {
    for (const [kind, rule] of rules) {
      rule.lastIndex = at;
      const m = rule.exec(sql);
      if (!m) continue;
      at = rule.lastIndex;
      if (kind === 'ident') tokens.push({ kind, text: v.unquote(m[1]!) });
      else if (kind === 'placeholder') tokens.push({ kind, text: m[0], index: m[1] === undefined ? tokens.filter((t) => t.kind === 'placeholder').length + 1 : Number(m[1]) });
      else if (kind !== 'space') tokens.push({ kind, text: m[0] });
      continue outer;
    }
    throw new Error(`text outside the grammar at ${at}: ${JSON.stringify(sql.slice(at, at + 20))}`);
  }
  return tokens;
}

/** Every token is the builder's own: keywords, the dataset's fields, the table, placeholders, fixed numbers, punctuation. */
function checkGrammar(sql: string, params: unknown[], v: Vocabulary): void {
  const tokens = tokenize(sql, v);
  const fieldNames = new Set(fields.map((f) => f.name));
  const tableNames = new Set([v.table.table, ...(v.table.schema ? [v.table.schema] : [])]);
  const at = (i: number) => tokens[i]?.text;
  let depth = 0;
  tokens.forEach((t, i) => {
    const where = `token ${i} (${JSON.stringify(t.text)}) of ${sql}`;
    switch (t.kind) {
      case 'ident': {
        const afterCollate = at(i - 1) === 'COLLATE';
        const inFrom = at(i - 1) === 'FROM' || (at(i - 1) === '.' && at(i - 3) === 'FROM');
        if (afterCollate) expect(v.collation.kind === 'ident' && t.text === v.collation.text, where).toBe(true);
        else if (inFrom) expect(tableNames.has(t.text), where).toBe(true);
        // The builder's own alias for a sort field's exact text.
        else if (at(i - 1) === 'AS') expect(/^sort\$[0-9]+$/.test(t.text), where).toBe(true);
        else expect(fieldNames.has(t.text), where).toBe(true);
        break;
      }
      case 'word':
        if (at(i - 1) === 'COLLATE') expect(v.collation.kind === 'word' && t.text === v.collation.text, where).toBe(true);
        else expect(KEYWORDS.has(t.text) || v.functions.has(t.text), where).toBe(true);
        break;
      case 'number': {
        // Only the fixed constructs `1=1`, `1=0` and `… > 0` carry digits.
        const constant = t.text === '1' && at(i + 1) === '=' && (at(i + 2) === '0' || at(i + 2) === '1') && (at(i - 1) === '(' || at(i - 1) === 'AND');
        const constantEnd = (t.text === '0' || t.text === '1') && at(i - 1) === '=' && at(i - 2) === '1';
        const positive = t.text === '0' && at(i - 1) === '>' && at(i - 2) === ')';
        // DECIMAL(65,0) and DECIMAL(65,30), the exact casts of cursor values.
        const precision = t.text === '65' && at(i - 1) === '(' && at(i - 2) === 'DECIMAL';
        const scale = (t.text === '0' || t.text === '30') && at(i - 1) === ',' && at(i - 2) === '65' && at(i - 3) === '(';
        expect(constant || constantEnd || positive || precision || scale, where).toBe(true);
        break;
      }
      case 'punct':
        if (t.text === '(') depth++;
        if (t.text === ')') depth--;
        expect(depth, where).toBeGreaterThanOrEqual(0);
        break;
      case 'placeholder':
        break;
    }
  });
  expect(depth).toBe(0);
  expect(at(0)).toBe('SELECT');
  const placeholders = tokens.filter((t) => t.kind === 'placeholder').map((t) => t.index!);
  expect(placeholders.length).toBe(params.length);
  expect([...placeholders].sort((a, b) => a - b)).toEqual(params.map((_, i) => i + 1));
}

describe.each(DIALECTS)('SQL text for %s', (_name, v) => {
  it('holds nothing but the builder vocabulary for any request, and one placeholder per parameter', () => {
    fc.assert(
      fc.property(request, (q) => {
        const builder = new SqlBuilder(v.dialect, fieldMap);
        const sql = builder.select(v.table, q);
        checkGrammar(sql, builder.params, v);
      }),
      { numRuns: 100 },
    );
  });

  it('sends every value of the request as a parameter, never as text', () => {
    fc.assert(
      fc.property(fc.constantFrom(...fields.filter((f) => f.type === 'string')), hostileText, (field, text) => {
        const builder = new SqlBuilder(v.dialect, fieldMap);
        const sql = builder.select(v.table, { fields: [KEY], where: or([cmp(field.name, 'eq', text), cmp(field.name, 'contains', text)]), orderBy: [{ field: KEY, direction: 'ASC' }], after: [text], limit: 5 });
        checkGrammar(sql, builder.params, v);
        expect(builder.params.filter((p) => p === text).length).toBeGreaterThanOrEqual(3);
      }),
      { numRuns: 100 },
    );
  });

  const base = (): SelectRequest => ({ fields: [KEY], where: null, orderBy: [{ field: KEY, direction: 'ASC' }], after: null, limit: 10 });
  const refuses = (q: SelectRequest, table: SqlTable = v.table) => {
    const builder = new SqlBuilder(v.dialect, fieldMap);
    expect(() => builder.select(table, q)).toThrow(SourceRequestError);
  };
  const notAField = fc.oneof(hostileText, fc.string()).filter((s) => !fieldMap.has(s));

  it('refuses any sort direction but ASC and DESC, with no text built', () => {
    fc.assert(
      fc.property(fc.oneof(hostileText, fc.string(), fc.constantFrom('asc', 'desc', 'ASC ', 'DESC;', 'ASC, (SELECT SLEEP(2))')).filter((d) => d !== 'ASC' && d !== 'DESC'), (d) => {
        // Parsed as the export route parses its query string: typed as sort keys, holding anything at run time.
        const keys: SortKey[] = JSON.parse(JSON.stringify([{ field: 'fullName', direction: d }, { field: KEY, direction: 'ASC' }]));
        refuses({ ...base(), orderBy: keys });
        refuses({ ...base(), orderBy: [{ field: KEY, direction: 'ASC' }, ...keys], after: ['a', 'b', 'c'] });
      }),
      { numRuns: 100 },
    );
  });

  it('refuses any field that is not the dataset’s, wherever it appears', () => {
    fc.assert(
      fc.property(notAField, (name) => {
        refuses({ ...base(), fields: [KEY, name] });
        refuses({ ...base(), where: cmp(name, 'eq', 'x') });
        refuses({ ...base(), where: cmp(name, 'isNull', true) });
        refuses({ ...base(), orderBy: [{ field: name, direction: 'ASC' }, { field: KEY, direction: 'ASC' }] });
      }),
      { numRuns: 100 },
    );
  });

  it('refuses limits that are not non-negative safe integers, table names outside the identifier rule, and values that are not scalars', () => {
    for (const limit of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) refuses({ ...base(), limit });
    fc.assert(
      fc.property(fc.oneof(hostileText, fc.string()).filter((s) => !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(s)), (name) => {
        refuses(base(), { table: name });
        refuses(base(), { schema: name, table: 'people' });
      }),
      { numRuns: 50 },
    );
    for (const value of [{ toString: () => "1' OR '1'='1" }, ['a'], null, undefined, Number.NaN, 10n]) refuses({ ...base(), where: cmp('fullName', 'eq', value) });
    refuses({ ...base(), where: cmp('fullName', 'in', 'not a list') });
    refuses({ ...base(), where: cmp('birthYear', 'contains', '1') });
    refuses({ ...base(), where: cmp('fullName', 'isNull', 'yes') });
    refuses({ ...base(), after: ['a', 'b'] });
    // Shapes the types rule out, as a request that bypassed validation could still hold them.
    const shapes: SelectRequest[] = JSON.parse(
      JSON.stringify([
        { ...base(), where: { kind: 'and', items: [null] } },
        { ...base(), where: { kind: 'or', items: 'x' } },
        { ...base(), where: { kind: 'raw', sql: '1=1' } },
        { ...base(), where: { kind: 'cmp', field: 'fullName', op: "eq) OR ('1'='1", value: 'x' } },
        { ...base(), orderBy: [null] },
        { ...base(), orderBy: { field: KEY, direction: 'ASC' } },
        { ...base(), fields: 'citizenId' },
        { ...base(), fields: [] },
        { ...base(), limit: '10; SELECT 1' },
      ]),
    );
    for (const q of shapes) refuses(q);
  });
});

// ---------------------------------------------------------------------------------------------
// (b) Real servers answer as the in-process evaluator

/** What a connector must return for `q`, by the evaluator's own rules. */
function expected(q: SelectRequest): Row[] {
  const after = q.after;
  let matching = table.filter((r) => evaluate(q.where, r, fieldMap));
  if (after) matching = matching.filter((r) => isAfter(r, after, q.orderBy));
  matching.sort((a, b) => compareRows(a, b, q.orderBy));
  return matching.slice(0, q.limit ?? undefined).map((r) => Object.fromEntries(q.fields.map((f) => [f, r[f]])));
}

const SOURCES: [string, (r: typeof rows) => Promise<TestSource>, typeof postgresConnector][] = [
  ['postgres', postgresSource, postgresConnector],
  ['mysql', mysqlSource, mysqlConnector],
];

describe.each(SOURCES)('%s connector under random requests', (_name, makeSource, factory) => {
  let source: TestSource;
  let connector: Connector;

  beforeAll(async () => {
    source = await makeSource(rows);
    const [name, entry] = Object.entries(source.credentials)[0]!;
    const context: ConnectorContext = { source: { name, ...entry, owner: 'cong-an' }, fields, keyField: KEY, timeoutMs: 10_000, maxResponseBytes: 10_000_000 };
    connector = openConnector(factory, source.connector.options, context);
  });

  afterAll(async () => {
    await connector?.close();
    await source?.drop();
  });

  const read = async (q: SelectRequest): Promise<Row[]> => {
    const out: Row[] = [];
    for await (const row of await connector.query({ ...q, signal: AbortSignal.timeout(10_000) })) out.push(row);
    return out;
  };

  it('takes a value the source cannot hold as the request\'s fault, without naming the value, and keeps answering', async () => {
    const values: [string, ComparisonOperator, unknown, string][] = [
      ['birthDate', 'eq', '2024-02-31', '2024-02-31'],
      ['birthDate', 'lt', '0000-01-01', '0000-01-01'],
      ['birthYear', 'eq', 2 ** 40, String(2 ** 40)],
      ['birthYear', 'in', [1980, -(2 ** 40)], String(2 ** 40)],
      ['income', 'gt', 1e300, '1e+300'],
    ];
    let refused = 0;
    for (const [field, op, value, shown] of values) {
      const q: SelectRequest = { fields: [KEY], where: cmp(field, op, value), orderBy: [{ field: KEY, direction: 'ASC' }], after: null, limit: null };
      const outcome = await read(q).then(
        (got) => ({ got }),
        (error: unknown) => ({ error }),
      );
      if ('got' in outcome) {
        // A server that only warns must still answer as the evaluator does.
        expect(outcome.got, `${field} ${op} ${shown}`).toEqual(expected(q));
        continue;
      }
      refused++;
      expect(outcome.error, `${field} ${op} ${shown}`).toBeInstanceOf(SourceRequestError);
      expect(String(outcome.error)).toMatch(/the source refused a value of the request \(/);
      expect(String(outcome.error)).not.toContain(shown);
    }
    // PostgreSQL refuses impossible dates and integers beyond its column type; MariaDB compares them with a warning.
    if (_name === 'postgres') expect(refused).toBeGreaterThanOrEqual(3);
    expect(await read({ fields: [KEY], where: null, orderBy: [{ field: KEY, direction: 'ASC' }], after: null, limit: 3 })).toHaveLength(3);
  });

  it('returns exactly the rows in-process evaluation returns (filter, order, cursor, limit)', async () => {
    let nonEmpty = 0;
    await fc.assert(
      fc.asyncProperty(request, async (q) => {
        const want = expected(q);
        if (want.length > 0) nonEmpty++;
        expect(await read(q)).toEqual(want);
      }),
      { numRuns: 40 },
    );
    // Random filters that never match would prove little.
    expect(nonEmpty).toBeGreaterThan(5);
    expect(await source.count()).toBe(rows.length);
  });
});

// ---------------------------------------------------------------------------------------------
// Source errors the servers really raise for a value, read as the request's fault

describe('data errors of the servers', () => {
  const expectRefusal = (refusal: Error | null, value: string) => {
    expect(refusal).toBeInstanceOf(SourceRequestError);
    expect(refusal!.message).toMatch(/^the source refused a value of the request \(.+\)$/);
    expect(refusal!.message).not.toContain(value);
  };

  it('PostgreSQL: SQLSTATE class 22 is the request\'s fault; other errors are not', async () => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      const errorOf = (sql: string, params: unknown[]) => client.query(sql, params).then(() => null, (error: unknown) => error);
      expectRefusal(postgresRefusal(await errorOf('SELECT $1::date', ['2024-02-31'])), '2024-02-31');
      expectRefusal(postgresRefusal(await errorOf('SELECT $1::int', ['1099511627776'])), '1099511627776');
      expectRefusal(postgresRefusal(await errorOf('SELECT $1::int', ['12abc'])), '12abc');
      expectRefusal(postgresRefusal(await errorOf("SELECT convert_from('\\xc3'::bytea, 'UTF8')", [])), 'c3');
      // Class 42, a statement the source's schema refuses: the statement's, neither the request's nor the source's health.
      expect(postgresRefusal(await errorOf('SELECT * FROM no_such_table_here', []))).toEqual(new StatementRefused('42P01'));
      expect(postgresRefusal(await errorOf(`SELECT gen_random_uuid() COLLATE "C" = $1`, ['x']))).toEqual(new StatementRefused('42804'));
      expect(postgresRefusal(await errorOf('SELECT 1/0', []))).not.toBeNull();
    } finally {
      await client.end();
    }
  });

  it('MariaDB: wrong, out-of-range and unstorable values are the request\'s fault; other errors are not', async () => {
    const connection = await mysql.createConnection({ uri: MYSQL_URL });
    const table = `refusals_${Date.now()}`;
    try {
      await connection.query("SET SESSION sql_mode = 'STRICT_ALL_TABLES'");
      await connection.query(`CREATE TABLE ${table} (d DATE, n INT, s VARCHAR(5) CHARACTER SET latin1)`);
      const errorOf = (sql: string, params: string[]) => connection.execute(sql, params).then(() => null, (error: unknown) => error);
      expectRefusal(mysqlRefusal(await errorOf(`INSERT INTO ${table} (d) VALUES (?)`, ['2024-02-31'])), '2024-02-31');
      expectRefusal(mysqlRefusal(await errorOf(`INSERT INTO ${table} (n) VALUES (?)`, ['1099511627776'])), '1099511627776');
      expectRefusal(mysqlRefusal(await errorOf(`INSERT INTO ${table} (s) VALUES (?)`, ['Đặng'])), 'Đặng');
      expectRefusal(mysqlRefusal(await errorOf(`INSERT INTO ${table} (s) VALUES (?)`, ['toolongvalue'])), 'toolongvalue');
      expect(mysqlRefusal(await errorOf('SELECT * FROM no_such_table_here', []))).toEqual(new StatementRefused('42S02'));
      expect(mysqlRefusal(await errorOf(`SELECT no_such_column FROM ${table}`, []))).toEqual(new StatementRefused('42S22'));
    } finally {
      await connection.query(`DROP TABLE IF EXISTS ${table}`);
      await connection.end();
    }
  });
});
