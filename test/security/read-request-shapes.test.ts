import { describe, expect, it } from 'vitest';
import { codeOf, dataOf } from '../kit.js';
import { officerOfCongAn } from '../kit/personas.js';
import { withPublishedSource } from '../kit/stories.js';
import { peopleRows } from '../sample-rows.js';

/**
 * Attack class 2 (shapes): every read path parses its arguments into one typed request before
 * any policy or source sees them. A bad shape is BAD_USER_INPUT (400 on export), never a 500, and
 * the source and the API stay healthy afterwards.
 */
const people = withPublishedSource(peopleRows(30), 'RESTRICTED');
const owner = people.as(officerOfCongAn);
const read = (variables: Record<string, unknown>) => owner.records({ dataset: people.datasetId, ...variables });
const exportOf = (query: string) => fetch(`${people.gw.base}/export/cong-an.people.ndjson?${query}`, { headers: { authorization: `Bearer ${owner.token}` } });

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
    for (const variables of cases) expect(codeOf(await read(variables)), JSON.stringify(variables)).toBe('BAD_USER_INPUT');
    // The typed data field goes through the same request.
    expect(codeOf(await owner.gql('{ data { cong_an_people(first: 5000) { edges { cursor } } } }'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await owner.gql('{ data { cong_an_people(where: { birthDate: { eq: "2024-02-30" } }) { edges { cursor } } } }'))).toBe('BAD_USER_INPUT');
  });

  it('leaves the source and the API healthy afterwards', async () => {
    expect(dataOf(await read({ first: 3 })).records.edges).toHaveLength(3);
    expect((await exportOf('select=["citizenId"]')).status).toBe(200);
    expect(await people.source.count()).toBe(people.rows.length);
    expect((await fetch(`${people.gw.base}/readyz`)).status).toBe(200);
  });
});
