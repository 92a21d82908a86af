import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'csv-stringify/sync';
import { exactSortOf, type Connector, type LinesQuery, type Row, type SortKey } from '../../connectors/contract.js';
import { CSV_OPTIONS, type LineFormat } from '../../connectors/lines.js';
import { SourceRequestError } from '../../connectors/errors.js';
import { parseWhere, type Predicate } from '../../connectors/filter.js';
import { postgresConnector, singleStatement } from '../../connectors/postgres/index.js';
import type { RecordField } from '../../connectors/schema.js';
import { generatedFilters, peopleRows } from '../sample-rows.js';
import { PG_URL, pgliteSource, postgresSource, type TestSource } from '../sources.js';
import { openConnector } from './open.js';

/**
 * The PostgreSQL connector's bulk path (COPY → NDJSON or CSV) against its row path, on a real server:
 * every line must be byte for byte what JSON.stringify writes for the row query() gives, for
 * every column type and for values chosen to break a transcription; every filter must select
 * the same rows although its values travel as literals instead of parameters.
 */
const HOSTILE_TEXT = [
  'plain',
  '',
  'quote " and \' apostrophe',
  'back\\slash \\N \\t \\\\',
  'tab\there, newline\nthere, return\r, \b \f \v',
  'controls \u0001 \u001f \u007f',
  'Tiếng Việt: Nguyễn Thị Ánh Tuyết, Đắk Lắk',
  'emoji 😀 and 𝄞',
  '\\',
  '"',
  '\\N',
  'trailing backslash \\',
  '{"json":"inside"}',
  '=HYPERLINK("http://x.invalid","bấm")',
  '-12',
  '+1+1',
  '@SUM(A1)',
  '＝1＋1',
  '\tleading tab',
  '\rleading return',
  'a,b,c',
];

const COLUMNS = `"id" integer PRIMARY KEY, "t" text, "v" varchar(200), "c" char(6), "u" uuid, "s" smallint, "i" integer, "b" bigint,
  "n" numeric, "r" real, "d" double precision, "flag" boolean, "day" date, "at" timestamp, "atz" timestamptz`;
const FIELDS: RecordField[] = [
  ['id', 'integer'],
  ['t', 'string'],
  ['v', 'string'],
  ['c', 'string'],
  ['u', 'string'],
  ['s', 'integer'],
  ['i', 'integer'],
  ['b', 'integer'],
  ['n', 'number'],
  ['r', 'number'],
  ['d', 'number'],
  ['flag', 'boolean'],
  ['day', 'date'],
  ['at', 'datetime'],
  ['atz', 'datetime'],
].map(([name, type]) => ({ name: name!, type: type as RecordField['type'], nullable: name !== 'id', required: name === 'id' }));
const NAMES = FIELDS.map((f) => f.name);
const BY_ID: SortKey[] = [{ field: 'id', direction: 'ASC' }];

/**
 * Rows covering each type's edges that the record schema's types can hold (NaN, infinity, BC and
 * structures cannot: see the test of unreadable values); one in four holds nulls.
 */
function hostileRows(): unknown[][] {
  const numbers = ['0', '-1', '1.50', '123456789012345678901234567890.5', '1e-7', '-0.000001'];
  const floats = ['0.1', '-0', '1e21', '3.4e38', '1.17549435e-38'];
  const bigints = ['0', '-9223372036854775808', '9223372036854775807', '9007199254740993', '42'];
  const days = ['2024-02-29', '0001-01-01', '0099-12-31', '9999-12-31', '1970-01-01'];
  const stamps = ['2024-05-01 08:00:00', '2024-05-01 08:00:00.123456', '2024-05-01 08:00:00.5', '0099-01-01 00:00:00.01', '1999-12-31 23:59:59.999999'];
  const zoned = ['2024-05-01 08:00:00+07', '2024-05-01 08:00:00.123456+00', '0099-12-31 23:59:59.999+00', '1960-01-01 00:00:00-03:30', '2024-05-01 08:00:00+00'];
  return HOSTILE_TEXT.flatMap((text, i) =>
    [0, 1, 2, 3].map((k) => {
      const n = i * 4 + k;
      const at = <T,>(list: T[]) => list[n % list.length]!;
      if (k === 3) return [n, ...NAMES.slice(1).map(() => null)];
      return [n, text, text.slice(0, 200), text.replace(/[^a-z]/g, '').slice(0, 4), randomUUID(), n % 2 ? -32768 : 32767, -n * 1000, at(bigints), at(numbers), at(floats), at(floats), n % 2 === 0, at(days), at(stamps), at(zoned)];
    }),
  );
}

let admin: pg.Client;
let schema: string;
let connector: Connector;

beforeAll(async () => {
  schema = `copy_${randomUUID().slice(0, 8)}`;
  admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.query(`CREATE TABLE ${schema}.things (${COLUMNS})`);
  for (const row of hostileRows()) await admin.query(`INSERT INTO ${schema}.things VALUES (${row.map((_, i) => `$${i + 1}`).join(', ')})`, row);
  connector = postgresConnector.create(
    { credentials: 'test-pg', schema, table: 'things' },
    { source: { name: 'test-pg', type: 'postgres', url: PG_URL, departments: ['cong-an'], owner: 'cong-an', reach: { tables: [`${schema}.things`] } }, fields: FIELDS, keyField: 'id', timeoutMs: 10_000, maxResponseBytes: 1 << 24 },
  );
});
afterAll(async () => {
  await connector?.close();
  await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin?.end();
});

const signal = () => AbortSignal.timeout(10_000);

/** What the row path writes for these rows: the members in order, null (an empty cell) for what is missing, transformed where asked. */
function rowPathLines(rows: Row[], members: string[], transforms: ReadonlyMap<string, (v: unknown) => unknown> = new Map(), format: LineFormat = 'ndjson'): string {
  const nodes = rows.map((row) => {
    const node: Row = {};
    for (const f of members) node[f] = row[f] ?? null;
    for (const [f, t] of transforms) node[f] = t(node[f]);
    return node;
  });
  if (format === 'csv') return nodes.length ? stringify(nodes.map((node) => members.map((f) => node[f] ?? '')), CSV_OPTIONS) : '';
  return nodes.map((node) => `${JSON.stringify(node)}\n`).join('');
}

async function lines(c: Connector, request: Partial<LinesQuery>): Promise<{ text: string; rows: number; more: boolean; last: unknown[] | null }> {
  const page = await c.queryLines!({ format: 'ndjson', members: NAMES, transforms: new Map(), where: null, orderBy: BY_ID, after: null, limit: 1000, signal: signal(), ...request });
  return { text: Buffer.concat(page.chunks).toString('utf8'), rows: page.rows, more: page.more, last: page.last };
}

async function rowsOf(c: Connector, request: { where?: LinesQuery['where']; orderBy?: SortKey[]; fields?: string[] } = {}): Promise<Row[]> {
  return (await c.query({ fields: NAMES, where: null, orderBy: BY_ID, after: null, limit: null, signal: signal(), ...request })) as Row[];
}

describe('PostgreSQL bulk path (COPY to NDJSON and CSV)', () => {
  it('writes every line byte for byte as the row path does, for every column type and hostile value', async () => {
    const rows = await rowsOf(connector);
    expect(rows.length).toBe(HOSTILE_TEXT.length * 4);
    const bulk = await lines(connector, {});
    expect(bulk.rows).toBe(rows.length);
    expect(bulk.more).toBe(false);
    expect(bulk.text).toBe(rowPathLines(rows, NAMES));
    expect((await lines(connector, { format: 'csv' })).text).toBe(rowPathLines(rows, NAMES, new Map(), 'csv'));
    // Spot checks of the oracle itself, so that both paths being wrong the same way still fails.
    const first = JSON.parse(bulk.text.split('\n')[0]!) as Row;
    expect(first).toMatchObject({ id: 0, t: 'plain', day: '2024-02-29', at: '2024-05-01T08:00:00.000Z', atz: '2024-05-01T01:00:00.000Z', flag: true });
    const years = bulk.text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
    expect(years.find((r) => r['at'] === '0099-01-01T00:00:00.010Z')).toBeTruthy();
    expect(years.find((r) => r['atz'] === '0099-12-31T23:59:59.999Z')).toBeTruthy();
  });

  it('writes members in the order asked, reads unselected sort fields for the cursor only, and applies transforms', async () => {
    const members = ['v', 't', 'flag'];
    const orderBy: SortKey[] = [{ field: 'i', direction: 'DESC' }, ...BY_ID];
    const mask = (v: unknown) => (v === null ? null : `masked:${String(v).length}`);
    const transforms = new Map([['t', mask]]);
    const rows = await rowsOf(connector, { orderBy, fields: [...members, 'i', 'id'] });
    const bulk = await lines(connector, { members, orderBy, transforms, limit: 5 });
    expect(bulk.text).toBe(rowPathLines(rows.slice(0, 5), members, transforms));
    expect((await lines(connector, { members, orderBy, transforms, limit: 5, format: 'csv' })).text).toBe(rowPathLines(rows.slice(0, 5), members, transforms, 'csv'));
    expect(bulk.more).toBe(true);
    // The cursor holds the source's exact text, not the typed values.
    const text = (v: unknown) => (v === null ? null : String(v));
    expect(bulk.last).toEqual([text(rows[4]!['i']), text(rows[4]!['id'])]);
  });

  it('pages with limit and after exactly as the row path, to the last row', async () => {
    const all = await rowsOf(connector);
    let after: unknown[] | null = null;
    let text = '';
    let pages = 0;
    for (;;) {
      const page = await lines(connector, { limit: 7, after });
      text += page.text;
      pages++;
      if (!page.more) break;
      expect(page.rows).toBe(7);
      after = page.last;
    }
    expect(pages).toBe(Math.ceil(all.length / 7));
    expect(text).toBe(rowPathLines(all, NAMES));
  });

  it('pages by hostile text keys, which travel back to the source as literals of the next page', async () => {
    await admin.query(`CREATE TABLE ${schema}.keys ("k" text PRIMARY KEY, "n" integer NOT NULL)`);
    for (const [i, k] of HOSTILE_TEXT.entries()) await admin.query(`INSERT INTO ${schema}.keys VALUES ($1, $2)`, [k, i]);
    const fields: RecordField[] = [
      { name: 'k', type: 'string', nullable: false, required: true },
      { name: 'n', type: 'integer', nullable: false, required: true },
    ];
    const keys = postgresConnector.create(
      { credentials: 'test-pg', schema, table: 'keys' },
      { source: { name: 'test-pg', type: 'postgres', url: PG_URL, departments: ['cong-an'], owner: 'cong-an', reach: { tables: [`${schema}.keys`] } }, fields, keyField: 'k', timeoutMs: 10_000, maxResponseBytes: 1 << 24 },
    );
    try {
      const byKey: SortKey[] = [{ field: 'k', direction: 'ASC' }];
      const all = (await keys.query({ fields: ['k', 'n'], where: null, orderBy: byKey, after: null, limit: null, signal: signal() })) as Row[];
      expect(all).toHaveLength(HOSTILE_TEXT.length);
      let after: unknown[] | null = null;
      let text = '';
      for (let page = 0; page <= HOSTILE_TEXT.length; page++) {
        const got = await lines(keys, { members: ['n', 'k'], orderBy: byKey, limit: 1, after });
        text += got.text;
        if (!got.more) break;
        after = got.last;
      }
      expect(text).toBe(rowPathLines(all, ['n', 'k']));
    } finally {
      await keys.close();
    }
  });

  it('pages exactly by keys whose typed values are rounded (int8 past 2^53, numeric, microseconds)', async () => {
    await admin.query(`CREATE TABLE ${schema}.exact ("big" bigint NOT NULL, "dec" numeric NOT NULL, "at" timestamptz NOT NULL, "n" integer PRIMARY KEY)`);
    // Keys a JS number or a millisecond cannot tell apart: every page would end on a value shared with the next.
    await admin.query(`INSERT INTO ${schema}.exact SELECT 9007199254740993 + g, ('0.1000000000000000000' || lpad(g::text, 3, '0'))::numeric, '2024-05-01 08:00:00.123'::timestamptz + g * interval '1 microsecond', g FROM generate_series(0, 40) g`);
    const fields: RecordField[] = [
      { name: 'big', type: 'integer', nullable: false, required: true },
      { name: 'dec', type: 'number', nullable: false, required: true },
      { name: 'at', type: 'datetime', nullable: false, required: true },
      { name: 'n', type: 'integer', nullable: false, required: true },
    ];
    const exact = postgresConnector.create(
      { credentials: 'test-pg', schema, table: 'exact' },
      { source: { name: 'test-pg', type: 'postgres', url: PG_URL, departments: ['cong-an'], owner: 'cong-an', reach: { tables: [`${schema}.exact`] } }, fields, keyField: 'n', timeoutMs: 10_000, maxResponseBytes: 1 << 24 },
    );
    try {
      for (const key of ['big', 'dec', 'at']) {
        const orderBy: SortKey[] = [{ field: key, direction: 'DESC' }];
        const seen: number[] = [];
        let after: unknown[] | null = null;
        for (let page = 0; page < 20; page++) {
          const got = await lines(exact, { members: ['n'], orderBy, limit: 3, after });
          seen.push(...got.text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { n: number }).n));
          if (!got.more) break;
          after = got.last;
        }
        expect(seen, key).toEqual(Array.from({ length: 41 }, (_, i) => 40 - i));
        // The row path too: each row carries its exact sort values for the cursor.
        const viaRows: number[] = [];
        after = null;
        for (let page = 0; page < 20; page++) {
          const rows = (await exact.query({ fields: ['n', key], where: null, orderBy: [...orderBy, { field: 'n', direction: 'ASC' }], after, limit: 4, signal: signal() })) as Row[];
          viaRows.push(...rows.slice(0, 3).map((r) => Number(r['n'])));
          if (rows.length <= 3) break;
          after = exactSortOf(rows[2]!);
          expect(after).not.toBeNull();
        }
        expect(viaRows, `${key} by rows`).toEqual(Array.from({ length: 41 }, (_, i) => 40 - i));
      }
    } finally {
      await exact.close();
    }
  });

  it('fails a page whose values the row path cannot read at once, and leaves the connection usable', async () => {
    await admin.query(`CREATE TABLE ${schema}.late ("n" integer PRIMARY KEY, "at" timestamptz NOT NULL, "pad" text NOT NULL)`);
    // Many rows first, so the bad value arrives while the source is still sending.
    await admin.query(`INSERT INTO ${schema}.late SELECT g, '2024-05-01 08:00:00+00', repeat('x', 200) FROM generate_series(1, 20000) g`);
    await admin.query(`INSERT INTO ${schema}.late VALUES (20001, 'infinity', 'x')`);
    const fields: RecordField[] = [
      { name: 'n', type: 'integer', nullable: false, required: true },
      { name: 'at', type: 'datetime', nullable: false, required: true },
      { name: 'pad', type: 'string', nullable: false, required: true },
    ];
    const late = postgresConnector.create(
      { credentials: 'test-pg', schema, table: 'late' },
      { source: { name: 'test-pg', type: 'postgres', url: PG_URL, departments: ['cong-an'], owner: 'cong-an', reach: { tables: [`${schema}.late`] } }, fields, keyField: 'n', timeoutMs: 30_000, maxResponseBytes: 1 << 24 },
    );
    try {
      const orderBy: SortKey[] = [{ field: 'n', direction: 'ASC' }];
      // The parser's own error, not the source timeout: the rest of the COPY was read and the page failed at once.
      await expect(lines(late, { members: ['n', 'at', 'pad'], orderBy, limit: 30_000 })).rejects.toThrow(expect.objectContaining({ name: 'UnreadableValue', field: 'at' }));
      const again = await Promise.all(Array.from({ length: 10 }, () => lines(late, { members: ['n'], orderBy, limit: 5 })));
      for (const page of again) expect(page.text).toBe('{"n":1}\n{"n":2}\n{"n":3}\n{"n":4}\n{"n":5}\n');
    } finally {
      await late.close();
    }
  });

  it('sends COPY only as one statement', () => {
    const hostile = ["x'); DROP TABLE people; --", "a\\'; SELECT 1; --", "';'", '"; --'];
    for (const value of hostile) {
      const literal = pg.escapeLiteral(value);
      expect(singleStatement(`COPY (SELECT "k" FROM "s"."t" WHERE "k" = ${literal}) TO STDOUT`)).toContain(literal);
    }
    for (const text of ['COPY (SELECT 1) TO STDOUT; SELECT 2', "COPY (SELECT 'a') TO STDOUT -- x", 'COPY (SELECT 1 /* x */) TO STDOUT', "COPY (SELECT 'open) TO STDOUT", "COPY (SELECT E'\\'; SELECT 1') TO STDOUT; x"]) {
      expect(() => singleStatement(text), text).toThrow(SourceRequestError);
    }
  });

  it('refuses a NUL in a value, as the source refuses it as a parameter, and asks nothing', async () => {
    // Built by hand: parseWhere refuses it first; the connector must hold even if it did not.
    const where: Predicate = { kind: 'cmp', field: 't', op: 'eq', value: 'a\u0000b' };
    await expect(lines(connector, { where })).rejects.toBeInstanceOf(SourceRequestError);
    await expect(rowsOf(connector, { where })).rejects.toBeInstanceOf(SourceRequestError);
  });

  it('fails a read that reaches a value its field cannot hold, by both paths, naming the field; reads without it go on', async () => {
    await admin.query(`CREATE TABLE ${schema}.odd (id integer PRIMARY KEY, n numeric, r real, day date, atz timestamptz, t text, doc jsonb)`);
    const unreadable: [string, string][] = [
      ['n', "'NaN'"],
      ['r', "'Infinity'"],
      ['day', "'0044-03-15 BC'"],
      ['day', "'infinity'"],
      ['atz', "'10000-01-01 00:00:00+00'"],
      ['atz', "'-infinity'"],
      ['t', "'Nguyễn Thị Hoa, 12 Lý Tự Trọng'"],
      ['doc', `'{"a":1}'`],
    ];
    const fields: RecordField[] = [
      ['id', 'integer'],
      ['n', 'number'],
      ['r', 'number'],
      ['day', 'date'],
      ['atz', 'datetime'],
      ['t', 'integer'],
      ['doc', 'string'],
    ].map(([name, type]) => ({ name: name!, type: type as RecordField['type'], nullable: true, required: name === 'id' }));
    const odd = postgresConnector.create(
      { credentials: 'test-pg', schema, table: 'odd' },
      { source: { name: 'test-pg', type: 'postgres', url: PG_URL, departments: ['cong-an'], owner: 'cong-an', reach: { tables: [`${schema}.odd`] } }, fields, keyField: 'id', timeoutMs: 10_000, maxResponseBytes: 1 << 24 },
    );
    try {
      for (const [i, [column, literal]] of unreadable.entries()) {
        await admin.query(`DELETE FROM ${schema}.odd`);
        // A readable row first, and text that reads as an integer where the field is one.
        await admin.query(`INSERT INTO ${schema}.odd (id, t) VALUES (1, '42'), (2, NULL)`);
        await admin.query(`INSERT INTO ${schema}.odd (id, ${column}) VALUES (3, ${literal})`);
        const named = expect.objectContaining({ name: 'UnreadableValue', field: column });
        await expect(rowsOf(odd, { fields: ['id', column] }), `${i}: row path`).rejects.toThrow(named);
        for (const format of ['ndjson', 'csv'] as const) {
          await expect(lines(odd, { members: ['id', column], format }), `${i}: ${format}`).rejects.toThrow(named);
        }
        expect(await rowsOf(odd, { fields: ['id', 't'], where: { kind: 'cmp', field: 'id', op: 'lt', value: 3 } })).toEqual([{ id: 1, t: 42 }, { id: 2, t: null }]);
        expect((await lines(odd, { members: ['id', 't'], where: { kind: 'cmp', field: 'id', op: 'lt', value: 3 } })).text).toBe('{"id":1,"t":42}\n{"id":2,"t":null}\n');
        expect((await lines(odd, { members: ['id'] })).rows).toBe(3);
      }
    } finally {
      await odd.close();
    }
  });

  it('leaves the connection clean after a failed COPY (a value of the wrong type)', async () => {
    const where: Predicate = { kind: 'cmp', field: 'day', op: 'eq', value: '2024-02-30' };
    await expect(lines(connector, { where })).rejects.toBeInstanceOf(SourceRequestError);
    // Every pooled connection is used again: none is left inside an aborted transaction.
    const again = await Promise.all(Array.from({ length: 10 }, () => lines(connector, { limit: 2 })));
    for (const page of again) expect(page.rows).toBe(2);
  });
});

describe('PostgreSQL bulk path on the embedded PGlite (one session behind every connection)', () => {
  let source: TestSource;
  let people: Connector;
  const rows = peopleRows(50);
  const fields: RecordField[] = ['citizenId', 'district'].map((name) => ({ name, type: 'string', nullable: false, required: true }));
  beforeAll(async () => {
    source = await pgliteSource(rows);
    const [name, entry] = Object.entries(source.credentials)[0]!;
    people = openConnector(postgresConnector, source.connector.options, { source: { name, ...entry, owner: 'cong-an' }, fields, keyField: 'citizenId', timeoutMs: 10_000, maxResponseBytes: 1 << 24 });
  });
  afterAll(async () => {
    await people?.close();
    await source?.drop();
  });

  it('serves concurrent pages, and a refused value as the client’s fault', async () => {
    const order: SortKey[] = [{ field: 'citizenId', direction: 'ASC' }];
    const expected = [...rows].map((r) => r.citizenId).sort().slice(0, 10);
    const pages = await Promise.all(Array.from({ length: 6 }, () => lines(people, { members: ['citizenId'], orderBy: order, limit: 10 })));
    for (const page of pages) expect(page.text).toBe(expected.map((id) => `${JSON.stringify({ citizenId: id })}\n`).join(''));
    const where: Predicate = { kind: 'cmp', field: 'citizenId', op: 'eq', value: 'a\u0000b' };
    await expect(lines(people, { members: ['citizenId'], orderBy: order, where })).rejects.toBeInstanceOf(SourceRequestError);
  });
});

describe('PostgreSQL bulk path filters', () => {
  let source: TestSource;
  let people: Connector;
  const rows = peopleRows(200);
  const optional = new Set(['income', 'note']);
  const types: Record<string, RecordField['type']> = { birthYear: 'integer', income: 'number', active: 'boolean', birthDate: 'date' };
  const fields: RecordField[] = ['citizenId', 'fullName', 'district', 'birthYear', 'birthDate', 'income', 'active', 'note'].map((name) => ({ name, type: types[name] ?? 'string', nullable: optional.has(name), required: !optional.has(name) }));
  const order: SortKey[] = [{ field: 'citizenId', direction: 'ASC' }];

  beforeAll(async () => {
    source = await postgresSource(rows);
    const [name, entry] = Object.entries(source.credentials)[0]!;
    people = openConnector(postgresConnector, source.connector.options, { source: { name, ...entry, owner: 'cong-an' }, fields, keyField: 'citizenId', timeoutMs: 10_000, maxResponseBytes: 1 << 24 });
  });
  afterAll(async () => {
    await people?.close();
    await source?.drop();
  });

  /** The keys each path selects for a filter, as NDJSON lines. */
  async function bothPaths(raw: Record<string, unknown>): Promise<{ rows: string; bulk: string; count: number }> {
    const where = parseWhere(raw, fields);
    const viaRows = (await people.query({ fields: ['citizenId'], where, orderBy: order, after: null, limit: null, signal: signal() })) as Row[];
    const page = await people.queryLines!({ format: 'ndjson', members: ['citizenId'], transforms: new Map(), where, orderBy: order, after: null, limit: 1000, signal: signal() });
    return { rows: rowPathLines(viaRows, ['citizenId']), bulk: Buffer.concat(page.chunks).toString(), count: page.rows };
  }

  it('select the same rows with values written as literals as with parameters, for every generated filter', async () => {
    const filters = generatedFilters(rows);
    expect(filters.length).toBeGreaterThan(40);
    let selective = 0;
    for (const raw of filters) {
      const { rows: expected, bulk, count } = await bothPaths(raw);
      expect(bulk, JSON.stringify(raw)).toBe(expected);
      if (count > 0 && count < rows.length) selective++;
    }
    expect(selective).toBeGreaterThan(20);
  });

  it('take hostile text as a value, never as SQL', async () => {
    const attacks = [
      "x') OR 1=1 --",
      "x' OR '1'='1",
      "\\' OR 1=1 --",
      "x\\'); DROP TABLE people; --",
      '$$ OR 1=1 $$',
      "E'\\x27 OR 1=1",
      "'; COPY (SELECT 1) TO PROGRAM 'id'; --",
      `${rows[0]!.fullName}' OR 'a'='a`,
    ];
    for (const text of attacks) {
      for (const raw of [{ fullName: { eq: text } }, { fullName: { in: [text, rows[1]!.fullName] } }, { fullName: { startsWith: text } }, { district: { contains: text } }]) {
        const { rows: expected, bulk, count } = await bothPaths(raw);
        expect(bulk, JSON.stringify(raw)).toBe(expected);
        expect(count, JSON.stringify(raw)).toBeLessThanOrEqual(1);
      }
    }
    // The one value that names a real row still finds it.
    expect((await bothPaths({ fullName: { in: ["x' OR '1'='1", rows[1]!.fullName] } })).count).toBeGreaterThanOrEqual(1);
    expect(await source.count()).toBe(rows.length);
  });
});
