import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SortKey } from '../connectors/contract.js';
import { startOracle, type Oracle } from './connectors/oracle.js';
import { codeOf, startTestGateway, type TestGateway } from './kit.js';
import { generatedFilters, PEOPLE_SCHEMA, peopleRows } from './sample-rows.js';
import { csvSource, httpJsonSource, mongodbSource, mysqlSource, pgliteSource, postgresSource, type TestSource } from './sources.js';

/**
 * The conformance suite: the same requests against every connector through the gateway, compared
 * with an independent oracle (PostgreSQL over the same rows, test/connectors/oracle.ts), so every
 * connector answers every filter identically, whether it pushes the filter down or the engine
 * evaluates it in-process. test/connectors/conformance.test.ts drives the connectors directly.
 */
const rows = peopleRows(400);
let oracle: Oracle;
beforeAll(async () => {
  oracle = await startOracle(rows);
});
afterAll(async () => {
  await oracle?.close();
});

const RECORDS = /* GraphQL */ `
  query Records($dataset: ID!, $where: JSON, $select: [String!], $orderBy: [OrderBy!], $first: Int, $after: String) {
    records(dataset: $dataset, where: $where, select: $select, orderBy: $orderBy, first: $first, after: $after) {
      edges { cursor node }
      pageInfo { hasNextPage endCursor }
    }
  }
`;
type Page = { edges: { cursor: string; node: Record<string, unknown> }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };

const connectors: [string, (r: typeof rows) => Promise<TestSource>][] = [
  ['postgres', postgresSource],
  ['postgres on PGlite', pgliteSource],
  ['mysql', mysqlSource],
  ['mongodb', mongodbSource],
  ['csv', csvSource],
  ['http-json', httpJsonSource],
];

describe.each(connectors)('%s connector', (name, makeSource) => {
  let source: TestSource;
  let gw: TestGateway;
  let reader: string;
  const slug = `people-${name.toLowerCase().replace(/\W+/g, '-')}`;
  const dataset = `cong-an.${slug}`;

  beforeAll(async () => {
    source = await makeSource(rows);
    const env: Record<string, string> = { SOURCE_CREDENTIALS: JSON.stringify(source.credentials), SOURCE_TIMEOUT_MS: '1500' };
    if ('filesDir' in source) env['SOURCE_FILES_DIR'] = String(source.filesDir);
    gw = await startTestGateway({ env });
    reader = gw.token('officer', 'cong-an', ['analyst']);
    const publisher = gw.token('pub', 'cong-an', ['publisher']);
    const input = {
      slug,
      title: `Thử nghiệm ${name}`,
      description: 'Bảng thử nghiệm của bộ kiểm thử kết nối.',
      classification: 'RESTRICTED',
      recordSchema: PEOPLE_SCHEMA,
      connector: source.connector,
    };
    await gw.publishDataset(publisher, input);
  });

  afterAll(async () => {
    await gw?.close();
    await source?.drop();
  });

  const read = (variables: Record<string, unknown>) => gw.gql<{ records: Page }>(RECORDS, { dataset, first: 1000, ...variables }, reader);

  it('answers at least 50 generated filters exactly as the oracle', async () => {
    const filters = generatedFilters(rows);
    expect(filters.length).toBeGreaterThanOrEqual(50);
    let selective = 0;
    for (const where of filters) {
      const expected = await oracle.matching(where);
      const result = await read({ where, select: ['citizenId'] });
      expect(result.errors, JSON.stringify(where)).toBeUndefined();
      expect(result.data!.records.edges.map((e) => e.node['citizenId']), JSON.stringify(where)).toEqual(expected);
      if (expected.length > 0 && expected.length < rows.length) selective++;
    }
    // The filters must discriminate, or matching them proves nothing.
    expect(selective).toBeGreaterThanOrEqual(40);
  });

  it('returns values typed as the record schema says', async () => {
    for (const sample of [rows.find((r) => r.income !== null && r.note !== null)!, rows.find((r) => r.income === null)!]) {
      const result = await read({ where: { citizenId: { eq: sample.citizenId } } });
      expect(result.data!.records.edges[0]!.node).toEqual(sample);
    }
  });

  it('exports as NDJSON exactly the nodes records serves, whichever path the connector reads by', async () => {
    const where = { or: [{ district: { in: ['Quận 1', 'Quận 3'] } }, { birthYear: { gte: 1990 } }] };
    const orderBy = [{ field: 'district', direction: 'DESC' }];
    const served = (await read({ where, orderBy })).data!.records.edges.map((e) => e.node);
    expect(served.length).toBeGreaterThan(20);
    const query = `where=${encodeURIComponent(JSON.stringify(where))}&orderBy=${encodeURIComponent(JSON.stringify(orderBy))}`;
    const response = await fetch(`${gw.base}/export/${dataset}.ndjson?${query}`, { headers: { authorization: `Bearer ${reader}` } });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(served.map((node) => `${JSON.stringify(node)}\n`).join(''));
    // PostgreSQL (server or embedded) writes the lines itself; the others are read row by row.
    expect((gw.records.bulkPages.get(dataset) ?? 0) > 0).toBe(name.startsWith('postgres'));
  });

  it('pages with no duplicates and no gaps under any ordering', async () => {
    const orderings = [[], [{ field: 'district', direction: 'DESC' }], [{ field: 'birthYear' }, { field: 'fullName', direction: 'DESC' }]];
    const where = { birthYear: { gte: 1960 } };
    for (const orderBy of orderings) {
      const whole = (await read({ where, orderBy, select: ['citizenId'] })).data!.records.edges.map((e) => e.node['citizenId']);
      const keys: SortKey[] = orderBy.map((o: { field: string; direction?: string }) => ({ field: o.field, direction: o.direction === 'DESC' ? 'DESC' : 'ASC' }));
      expect(whole, JSON.stringify(orderBy)).toEqual(await oracle.ordered(where, keys));
      const seen: unknown[] = [];
      let after: string | null = null;
      for (let guard = 0; guard < 200; guard++) {
        const page: Page = (await read({ where, orderBy, select: ['citizenId'], first: 9, after })).data!.records;
        seen.push(...page.edges.map((e) => e.node['citizenId']));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(seen).toEqual(whole);
      expect(new Set(seen).size).toBe(rows.filter((r) => r.birthYear >= 1960).length);
    }
  });

  it('refuses injection attempts before the source is asked, and harmless ones change nothing', async () => {
    const bad = [
      { $where: 'sleep(1000)' },
      { fullName: { $gt: '' } },
      { fullName: { eq: { $gt: '' } } },
      { 'fullName"; DROP TABLE people; --': { eq: 'x' } },
      { birthYear: { eq: '1980 OR 1=1' } },
    ];
    for (const where of bad) expect(codeOf(await read({ where })), JSON.stringify(where)).toBe('BAD_USER_INPUT');
    expect(codeOf(await read({ orderBy: [{ field: 'district; DROP TABLE people' }] }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await read({ select: ['citizenId', '"fullName"'] }))).toBe('BAD_USER_INPUT');
    const harmless = await read({ where: { or: [{ fullName: { eq: "'; DROP TABLE people; --" } }, { note: { contains: "'); DELETE FROM people; --" } }] } });
    expect(harmless.data!.records.edges).toEqual([]);
    expect(await source.count()).toBe(rows.length);
  });

  it('gives SOURCE_UNAVAILABLE within the timeout when the source hangs, and recovers', async () => {
    const release = await source.hang();
    try {
      const started = Date.now();
      const result = await read({ first: 3 });
      expect(codeOf(result)).toBe('SOURCE_UNAVAILABLE');
      expect(result.errors![0]!.path).toEqual(['records']);
      expect(Date.now() - started).toBeLessThan(4000);
    } finally {
      await release();
    }
    expect((await read({ first: 3 })).data!.records.edges).toHaveLength(3);
  });
});
