import { describe, expect, it } from 'vitest';
import { SourceRequestError } from '../connectors/errors.js';
import type { Predicate } from '../connectors/filter.js';
import { mysqlDialect } from '../connectors/mysql/index.js';
import { postgresDialect } from '../connectors/postgres/index.js';
import { SqlBuilder, type SelectRequest, type SqlDialect, type SqlTable } from '../connectors/sql/sql-builder.js';
import { fieldsOf } from '../server/catalogue/record-schema.js';
import { RESIDENTS_SCHEMA } from './kit/catalogue-entries.js';

/**
 * Unit specs of the SQL the builder emits, in both dialects, for representative requests: text
 * and parameters exactly. What holds for every request (only the builder's own vocabulary, the
 * same answers as the in-process evaluator) is property-tested in sql-builder.property.test.ts.
 */
const fields = new Map(fieldsOf(RESIDENTS_SCHEMA).map((f) => [f.name, f]));
const cmp = (field: string, op: Extract<Predicate, { kind: 'cmp' }>['op'], value: unknown): Predicate => ({ kind: 'cmp', field, op, value });
const request = (changes: Partial<SelectRequest> = {}): SelectRequest => ({ fields: ['citizenId', 'district'], where: null, orderBy: [], after: null, limit: null, ...changes });

function build(dialect: SqlDialect, q: SelectRequest, table: SqlTable = { schema: 'cong_an', table: 'residents' }) {
  const builder = new SqlBuilder(dialect, fields);
  return { text: builder.select(table, q), params: builder.params };
}
const pg = (q: SelectRequest, table?: SqlTable) => build(postgresDialect, q, table);
const my = (q: SelectRequest, table?: SqlTable) => build(mysqlDialect, q, table ?? { table: 'residents' });

describe('a plain page', () => {
  it('selects quoted fields from the quoted table, with no clause it was not asked for', () => {
    expect(pg(request())).toEqual({ text: 'SELECT "citizenId", "district" FROM "cong_an"."residents"', params: [] });
    expect(my(request())).toEqual({ text: 'SELECT `citizenId`, `district` FROM `residents`', params: [] });
    expect(my(request(), { schema: 'test', table: 'residents' }).text).toBe('SELECT `citizenId`, `district` FROM `test`.`residents`');
  });

  it('orders text by code point and sends the limit as a parameter', () => {
    const q = request({ orderBy: [{ field: 'birthYear', direction: 'DESC' }, { field: 'citizenId', direction: 'ASC' }], limit: 101 });
    expect(pg(q)).toEqual({ text: 'SELECT "citizenId", "district" FROM "cong_an"."residents" ORDER BY "birthYear" DESC, "citizenId" COLLATE "C" ASC LIMIT $1', params: [101] });
    expect(my(q)).toEqual({ text: 'SELECT `citizenId`, `district` FROM `residents` ORDER BY `birthYear` DESC, `citizenId` COLLATE utf8mb4_nopad_bin ASC LIMIT ?', params: [101] });
  });
});

describe('filters', () => {
  it('compare two-valued: a null never matches, so NOT agrees with the in-process evaluator', () => {
    const q = request({ where: { kind: 'not', item: cmp('district', 'eq', 'Quận 1') } });
    expect(pg(q)).toEqual({ text: 'SELECT "citizenId", "district" FROM "cong_an"."residents" WHERE (NOT ("district" IS NOT NULL AND "district" COLLATE "C" = $1))', params: ['Quận 1'] });
    expect(my(q).text).toBe('SELECT `citizenId`, `district` FROM `residents` WHERE (NOT (`district` IS NOT NULL AND `district` COLLATE utf8mb4_nopad_bin = ?))');
  });

  it('number each parameter in order through and, or, in and ranges', () => {
    const where: Predicate = {
      kind: 'and',
      items: [
        { kind: 'or', items: [cmp('birthYear', 'gte', 1990), cmp('birthYear', 'lt', 1950)] },
        cmp('district', 'in', ['Quận 1', 'Quận 3']),
        cmp('citizenId', 'nin', ['079000000001']),
        cmp('note', 'isNull', true),
      ],
    };
    expect(pg(request({ where, limit: 5 }))).toEqual({
      text:
        'SELECT "citizenId", "district" FROM "cong_an"."residents" WHERE ((("birthYear" IS NOT NULL AND "birthYear" >= $1) OR ("birthYear" IS NOT NULL AND "birthYear" < $2))' +
        ' AND ("district" IS NOT NULL AND "district" COLLATE "C" IN ($3, $4)) AND ("citizenId" IS NOT NULL AND NOT ("citizenId" COLLATE "C" IN ($5))) AND ("note" IS NULL)) LIMIT $6',
      params: [1990, 1950, 'Quận 1', 'Quận 3', '079000000001', 5],
    });
    expect(my(request({ where, limit: 5 })).params).toEqual([1990, 1950, 'Quận 1', 'Quận 3', '079000000001', 5]);
    expect(my(request({ where })).text).toContain('(`district` IS NOT NULL AND `district` COLLATE utf8mb4_nopad_bin IN (?, ?))');
  });

  it('turn empty lists into constants: no member of an empty in, every non-null row for an empty nin', () => {
    const where: Predicate = { kind: 'or', items: [cmp('district', 'in', []), cmp('note', 'nin', []), { kind: 'and', items: [] }, { kind: 'or', items: [] }, cmp('note', 'isNull', false)] };
    expect(pg(request({ where }))).toEqual({
      text: 'SELECT "citizenId", "district" FROM "cong_an"."residents" WHERE ((1=0) OR ("note" IS NOT NULL AND 1=1) OR (1=1) OR (1=0) OR ("note" IS NOT NULL))',
      params: [],
    });
  });

  it('match text case-sensitively with each engine’s own functions, the value only ever a parameter', () => {
    const where: Predicate = { kind: 'and', items: [cmp('fullName', 'contains', "Ngọc'%"), cmp('fullName', 'startsWith', 'Nguyễn_')] };
    expect(pg(request({ where }))).toEqual({
      text: `SELECT "citizenId", "district" FROM "cong_an"."residents" WHERE (("fullName" IS NOT NULL AND strpos("fullName" COLLATE "C", $1) > 0) AND ("fullName" IS NOT NULL AND starts_with("fullName" COLLATE "C", $2)))`,
      params: ["Ngọc'%", 'Nguyễn_'],
    });
    expect(my(request({ where }))).toEqual({
      text:
        'SELECT `citizenId`, `district` FROM `residents` WHERE ((`fullName` IS NOT NULL AND LOCATE(?, `fullName` COLLATE utf8mb4_nopad_bin) > 0)' +
        ' AND (`fullName` IS NOT NULL AND LEFT(`fullName` COLLATE utf8mb4_nopad_bin, CHAR_LENGTH(?)) = ?))',
      params: ["Ngọc'%", 'Nguyễn_', 'Nguyễn_'],
    });
  });
});

describe('keyset pages', () => {
  it('continue strictly after the cursor for a mixed-direction order, after the filter’s parameters', () => {
    const q = request({
      where: cmp('district', 'eq', 'Quận 1'),
      orderBy: [{ field: 'birthYear', direction: 'DESC' }, { field: 'citizenId', direction: 'ASC' }],
      after: [1980, '079000000042'],
      limit: 3,
    });
    expect(pg(q)).toEqual({
      text:
        'SELECT "citizenId", "district" FROM "cong_an"."residents" WHERE ("district" IS NOT NULL AND "district" COLLATE "C" = $1)' +
        ' AND (("birthYear" < $2) OR ("birthYear" = $3 AND "citizenId" COLLATE "C" > $4)) ORDER BY "birthYear" DESC, "citizenId" COLLATE "C" ASC LIMIT $5',
      params: ['Quận 1', 1980, 1980, '079000000042', 3],
    });
    // MariaDB would compare a cursor's text with a number as two doubles: the value is cast to an exact decimal.
    expect(my(q).text).toContain('AND ((`birthYear` < CAST(? AS DECIMAL(65,0))) OR (`birthYear` = CAST(? AS DECIMAL(65,0)) AND `citizenId` COLLATE utf8mb4_nopad_bin > ?)) ORDER BY');
  });
});

describe('requests it refuses, as the request’s fault and without quoting it', () => {
  const refusals: [string, SelectRequest, SqlTable?][] = [
    ['an unknown field', request({ fields: ['citizenId', 'password'] })],
    ['a field name that is not an identifier', request({ fields: ['citizenId", (SELECT 1) --'] })],
    ['no field', request({ fields: [] })],
    ['a direction other than ASC or DESC', request({ orderBy: [{ field: 'district', direction: 'asc' as 'ASC' }] })],
    ['a value that is not a scalar', request({ where: cmp('district', 'eq', { $ne: null }) })],
    ['a value that is not finite', request({ where: cmp('birthYear', 'eq', Number.POSITIVE_INFINITY) })],
    ['text matching on a number field', request({ where: cmp('birthYear', 'contains', '19') })],
    ['isNull of something other than a boolean', request({ where: cmp('note', 'isNull', 'yes') })],
    ['an operator the filter language does not have', request({ where: cmp('district', 'like' as 'eq', 'Q%') })],
    ['a cursor that does not match the order', request({ orderBy: [{ field: 'citizenId', direction: 'ASC' }], after: ['a', 'b'] })],
    ['a negative limit', request({ limit: -1 })],
    ['a table name that is not an identifier', request(), { table: 'residents; DROP TABLE residents' }],
  ];
  it.each(refusals)('%s', (_what, q, table) => {
    for (const dialect of [postgresDialect, mysqlDialect]) {
      let thrown: unknown;
      try {
        build(dialect, q, table);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(SourceRequestError);
      expect(thrown).toMatchObject({ message: expect.stringMatching(/^the connector refused the request: /) });
      expect(thrown).not.toMatchObject({ message: expect.stringMatching(/password|SELECT 1|\$ne|DROP|Q%/) });
    }
  });
});
