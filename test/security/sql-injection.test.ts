import { describe, expect, it } from 'vitest';
import { codeOf, type GqlResult } from '../kit.js';
import { like, officerOfCongAn } from '../kit/personas.js';
import { withPublishedSource } from '../kit/stories.js';
import { peopleRows, type PersonRow } from '../sample-rows.js';
import { mysqlSource, postgresSource, type TestSource } from '../sources.js';

/**
 * An analyst of the owning department (who may read, filter and sort every field) tries SQL injection on a department's database through every
 * door the gateway opens: the `records` query and the export URL, in sort keys, filter operators,
 * field names and values. Nothing they send may run as SQL: what is malformed is BAD_USER_INPUT
 * (400 on export), what is well-formed is only ever compared as a value; no time-based payload
 * delays the answer; the table keeps its rows; and the gateway still serves the next read.
 */
const rows = peopleRows(150);

/** Had any of these run, the answer would take at least two seconds (per row, for most). */
const FAST_MS = 1500;

const SOURCES: [string, (rows: PersonRow[], departments: string[]) => Promise<TestSource>, string][] = [
  ['postgres', (rows, departments) => postgresSource(rows, undefined, departments), 'pg_sleep(2)'],
  ['mysql', mysqlSource, 'SLEEP(2)'],
];

describe.each(SOURCES)('SQL injection against a %s source', (name, makeSource, sleep) => {
  const people = withPublishedSource(rows, 'RESTRICTED', {
    source: makeSource,
    slug: `people-injection-${name}`,
    title: `Dân cư (${name})`,
    input: { description: 'Bảng thử nghiệm chống SQL injection.' },
  });
  const dataset = people.datasetId;
  const analyst = people.as(like(officerOfCongAn, { id: 'attacker' }));

  const timed = async <T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> => {
    const started = Date.now();
    const result = await work();
    return { result, ms: Date.now() - started };
  };

  const read = (variables: Record<string, unknown>) => timed(() => analyst.records({ dataset, first: 50, ...variables }));

  const exportWith = (query: Record<string, string>) =>
    timed(async () => {
      const response = await fetch(`${people.gw.base}/export/${dataset}.ndjson?${new URLSearchParams(query)}`, { headers: { authorization: `Bearer ${analyst.token}` } });
      return { status: response.status, body: await response.text() };
    });

  const subquery = `(SELECT ${sleep})`;

  /** Sort keys an attacker writes by hand: a direction or field with SQL in it, or not the shape of a sort key at all. */
  const hostileSorts: unknown[] = [
    [{ field: 'fullName', direction: `ASC, ${subquery}` }],
    [{ field: 'fullName', direction: `ASC; SELECT ${sleep}; --` }],
    [{ field: 'fullName', direction: 'DESC) --' }],
    [{ field: 'fullName', direction: 'asc' }],
    [{ field: 'fullName', direction: { $ne: 'ASC' } }],
    [{ field: `fullName, ${subquery}` }],
    [{ field: `fullName" , ${subquery} --` }],
    [{ field: `fullName\` , ${subquery} #` }],
    [{ field: subquery, direction: 'ASC' }],
    { field: 'fullName', direction: `ASC, ${subquery}` },
  ];

  /** Filters whose keys carry SQL, or whose values are of the wrong type to be compared. */
  const hostileFilters: unknown[] = [
    { fullName: { [`eq = '' OR ${sleep} OR `]: 'x' } },
    { fullName: { [`eq) OR ${sleep} OR (1`]: 'x' } },
    { [`fullName" = '' OR ${sleep} --`]: { eq: 'x' } },
    { [`fullName = '' OR ${sleep} OR `]: { eq: 'x' } },
    { $where: `${sleep} OR 1=1` },
    { fullName: { $gt: '' } },
    { birthYear: { eq: `1 OR ${sleep}` } },
    { birthYear: { in: [1980, `1980) OR ${sleep} OR (1`] } },
    { and: `${sleep}` },
    { not: [`${sleep}`] },
  ];

  /** Well-formed filters carrying SQL in their values, and how many rows match them compared as plain text. */
  const sqlAsValues: [unknown, number][] = [
    [{ fullName: { eq: `' OR ${sleep} OR '` } }, 0],
    [{ fullName: { ne: `x' AND ${sleep} = 0 AND '1'='1` } }, rows.length],
    [{ note: { contains: `'); SELECT ${sleep}; --` } }, 0],
    [{ fullName: { startsWith: `\\' OR ${sleep} -- ` } }, 0],
    [{ district: { in: [`Quận 1' OR ${sleep} OR '`, '"; DROP TABLE people; --'] } }, 0],
    [{ or: [{ citizenId: { lt: `0' UNION SELECT ${sleep} --` } }, { citizenId: { gt: `9\` OR ${sleep} #` } }] }, 0],
  ];

  it('refuses injected sort keys in records as BAD_USER_INPUT, without delay', async () => {
    for (const orderBy of hostileSorts) {
      const { result, ms } = await read({ orderBy });
      expect(codeOf(result), JSON.stringify(orderBy)).toBe('BAD_USER_INPUT');
      expect(ms, JSON.stringify(orderBy)).toBeLessThan(FAST_MS);
    }
  });

  it('refuses injected sort keys in the export URL with 400, without delay', async () => {
    for (const orderBy of hostileSorts) {
      const { result, ms } = await exportWith({ orderBy: JSON.stringify(orderBy) });
      expect(result.status, `${JSON.stringify(orderBy)} → ${result.body.slice(0, 300)}`).toBe(400);
      expect(errorCode(result.body), JSON.stringify(orderBy)).toBe('BAD_USER_INPUT');
      expect(ms, JSON.stringify(orderBy)).toBeLessThan(FAST_MS);
    }
  });

  it('refuses injected filter keys and mistyped values in records and export, without delay', async () => {
    for (const where of hostileFilters) {
      const gql = await read({ where });
      expect(codeOf(gql.result), JSON.stringify(where)).toBe('BAD_USER_INPUT');
      expect(gql.ms, JSON.stringify(where)).toBeLessThan(FAST_MS);
      const file = await exportWith({ where: JSON.stringify(where) });
      expect(file.result.status, `${JSON.stringify(where)} → ${file.result.body.slice(0, 300)}`).toBe(400);
      expect(errorCode(file.result.body)).toBe('BAD_USER_INPUT');
      expect(file.ms, JSON.stringify(where)).toBeLessThan(FAST_MS);
    }
  });

  it('refuses injected field names in select, in records and export', async () => {
    for (const field of [`fullName, ${subquery}`, `fullName" FROM people; SELECT ${sleep} --`, '*']) {
      const gql = await read({ select: ['citizenId', field] });
      expect(codeOf(gql.result), field).toBe('BAD_USER_INPUT');
      expect(gql.ms).toBeLessThan(FAST_MS);
      const file = await exportWith({ select: JSON.stringify(['citizenId', field]) });
      expect(file.result.status, field).toBe(400);
      expect(errorCode(file.result.body)).toBe('BAD_USER_INPUT');
      expect(file.ms).toBeLessThan(FAST_MS);
    }
  });

  it('compares SQL inside values as plain text: only what equals the text matches, nothing runs', async () => {
    for (const [where, matching] of sqlAsValues) {
      const gql = await read({ where });
      expect(gql.result.errors, JSON.stringify(where)).toBeUndefined();
      expect(gql.result.data!.records.edges, JSON.stringify(where)).toHaveLength(Math.min(matching, 50));
      expect(gql.ms, JSON.stringify(where)).toBeLessThan(FAST_MS);
      const file = await exportWith({ where: JSON.stringify(where) });
      expect(file.result.status, JSON.stringify(where)).toBe(200);
      expect(file.result.body.split('\n').filter(Boolean), JSON.stringify(where)).toHaveLength(matching);
      expect(file.ms, JSON.stringify(where)).toBeLessThan(FAST_MS);
    }
  });

  it('leaves the table whole, and serves the next ordinary reads', async () => {
    expect(await people.source.count()).toBe(rows.length);
    const page = await read({ orderBy: [{ field: 'birthYear', direction: 'DESC' }], select: ['citizenId', 'birthYear'], first: 5 });
    expect(page.result.errors).toBeUndefined();
    const expected = [...rows].sort((a, b) => b.birthYear - a.birthYear || (a.citizenId < b.citizenId ? -1 : 1)).slice(0, 5);
    expect(page.result.data!.records.edges.map((e) => e.node)).toEqual(expected.map((r) => ({ citizenId: r.citizenId, birthYear: r.birthYear })));
    const file = await exportWith({ orderBy: JSON.stringify([{ field: 'fullName', direction: 'DESC' }]), where: JSON.stringify({ district: { eq: 'Quận 1' } }) });
    expect(file.result.status).toBe(200);
    expect(file.result.body.trim().split('\n')).toHaveLength(rows.filter((r) => r.district === 'Quận 1').length);
  });
});

/** The first error code of a JSON error body, or the body's start when it is not one. */
function errorCode(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as Pick<GqlResult, 'errors'>;
    return parsed.errors?.[0]?.extensions?.code;
  } catch {
    return `not JSON: ${body.slice(0, 80)}`;
  }
}
