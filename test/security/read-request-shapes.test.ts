import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, startTestGateway, type TestGateway } from '../kit.js';
import { PEOPLE_SCHEMA, peopleRows } from '../sample-rows.js';
import { postgresSource, type TestSource } from '../sources.js';

/**
 * Attack class 2 (shapes): every read path parses its arguments into one typed request before
 * any policy or source sees them. A bad shape is BAD_USER_INPUT (400 on export), never a 500, and
 * the source and the API stay healthy afterwards.
 */
const rows = peopleRows(30);
let source: TestSource;
let gw: TestGateway;
let owner: string;

beforeAll(async () => {
  source = await postgresSource(rows);
  gw = await startTestGateway({ env: { SOURCE_CREDENTIALS: JSON.stringify(source.credentials) } });
  owner = gw.token('officer', 'cong-an', ['publisher', 'analyst']);
  await gw.publishDataset(owner, { slug: 'people', title: 'Dân cư', description: 'Thử.', classification: 'RESTRICTED', recordSchema: PEOPLE_SCHEMA, connector: source.connector });
});

afterAll(async () => {
  await gw?.close();
  await source?.drop();
});

const RECORDS = 'query($where: JSON, $select: [String!], $orderBy: [OrderBy!], $first: Int, $after: String) { records(dataset: "cong-an.people", where: $where, select: $select, orderBy: $orderBy, first: $first, after: $after) { edges { node } } }';
const exportOf = (query: string) => fetch(`${gw.base}/export/cong-an.people.ndjson?${query}`, { headers: { authorization: `Bearer ${owner}` } });

describe('one validated read', () => {
  it.each([
    ['orderBy={}', 'orderBy'],
    ['orderBy="x"', 'orderBy'],
    ['orderBy=[null]', 'orderBy.0'],
    ['orderBy=[{"field":"fullName","direction":"ASC, (SELECT pg_sleep(2))"}]', 'orderBy.0.direction'],
    ['orderBy=[{"field":"fullName","direction":"asc"}]', 'orderBy.0.direction'],
    ['orderBy=[{"field":{"$gt":""}}]', 'orderBy.0.field'],
    ['where=[]', 'where'],
    ['where=7', 'where'],
    ['where={"fullName":{"eq":{"$ne":null}}}', 'where.fullName.eq'],
    ['select=[{"a":1}]', 'select.0'],
    ['select=citizenId&select=fullName', 'select'],
    ['purpose=a&purpose=b', 'purpose'],
    ['first=10', 'first'],
    ['where=%7B%22note%22%3A%7B%22eq%22%3A%22a%5Cud800b%22%7D%7D', 'where'],
  ])('export refuses %s with 400 and a path', async (query, path) => {
    const started = Date.now();
    const response = await exportOf(query);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: { code: string; details: { path: string }[] } }[] };
    expect(body.errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
    expect(body.errors[0]!.extensions.details.map((d) => d.path.split('.').slice(0, path.split('.').length).join('.'))).toContain(path);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('records refuses the same shapes with BAD_USER_INPUT, never INTERNAL_SERVER_ERROR', async () => {
    const cases: Record<string, unknown>[] = [
      { where: [] },
      { where: 'x' },
      { where: { fullName: { eq: { $gt: '' } } } },
      { where: { birthDate: { eq: '2024-02-30' } } },
      { where: { birthYear: { eq: 2 ** 60 } } },
      { first: -1 },
      { first: 5000 },
      { after: 'bm90IGEgY3Vyc29y' },
      { orderBy: [{ field: 'note' }] },
      { orderBy: [{ field: 'district' }, { field: 'district' }] },
    ];
    for (const variables of cases) expect(codeOf(await gw.gql(RECORDS, variables, owner)), JSON.stringify(variables)).toBe('BAD_USER_INPUT');
    // The typed data field goes through the same request.
    expect(codeOf(await gw.gql('{ data { cong_an_people(first: 5000) { edges { cursor } } } }', undefined, owner))).toBe('BAD_USER_INPUT');
    expect(codeOf(await gw.gql('{ data { cong_an_people(where: { birthDate: { eq: "2024-02-30" } }) { edges { cursor } } } }', undefined, owner))).toBe('BAD_USER_INPUT');
  });

  it('leaves the source and the API healthy afterwards', async () => {
    const result = await gw.gql<{ records: { edges: unknown[] } }>(RECORDS, { first: 3 }, owner);
    expect(result.data!.records.edges).toHaveLength(3);
    expect((await exportOf('select=["citizenId"]')).status).toBe(200);
    expect(await source.count()).toBe(rows.length);
    expect((await fetch(`${gw.base}/readyz`)).status).toBe(200);
  });
});
