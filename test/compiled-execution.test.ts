import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type GqlResult, type TestGateway } from './kit.js';
import { PEOPLE_SCHEMA, peopleRows } from './sample-rows.js';
import { postgresSource, type TestSource } from './sources.js';

/**
 * Queries of the typed data fields run compiled (graphql-jit) from their second run on the same
 * schema. A client must not be able to tell: the same document answers the same way the first
 * time (interpreted) and every time after (compiled) — data, masks, cursors, paging, errors and
 * their codes — and a schema rebuilt after a change is never served by code compiled before it.
 */
const rows = peopleRows(120);

let source: TestSource;
let gw: TestGateway;
let owner: string;
let other: string;
let publisher: string;

const PAGE = 'query($after: String) { data { cong_an_people(first: 7, after: $after, orderBy: [{ field: district, direction: DESC }]) { edges { cursor node { citizenId fullName district birthYear active income } } pageInfo { hasNextPage endCursor } maskedFields } } }';

type PageData = { data: { cong_an_people: { edges: { node: { citizenId: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } } };

/** The body as the client sees it, less the cursors (sealed with a fresh IV each time). */
async function answer(query: string, variables: Record<string, unknown>, token: string) {
  const result = await gw.gql(query, variables, token);
  return JSON.parse(JSON.stringify(result, (key, value: unknown) => (key === 'cursor' || key === 'endCursor' || key === 'headers' ? typeof value : value)));
}

beforeAll(async () => {
  source = await postgresSource(rows);
  gw = await startTestGateway({ env: { SOURCE_CREDENTIALS: JSON.stringify(source.credentials) } });
  owner = gw.token('owner', 'cong-an', ['analyst']);
  other = gw.token('other', 'tai-chinh', ['analyst']);
  publisher = gw.token('pub', 'cong-an', ['publisher']);
  await gw.publishDataset(publisher, { slug: 'people', title: 'Nhân khẩu', description: 'Nhân khẩu.', classification: 'INTERNAL', recordSchema: PEOPLE_SCHEMA, connector: source.connector });
});

afterAll(async () => {
  await gw?.close();
  await source?.drop();
});

describe('compiled execution of the typed data fields', () => {
  it('answers a page the same the first time and every time after, masks included', async () => {
    const first = await answer(PAGE, {}, other);
    expect(first.errors).toBeUndefined();
    expect(first.data.data.cong_an_people.maskedFields).toEqual(['citizenId', 'fullName']);
    for (let i = 0; i < 3; i++) expect(await answer(PAGE, {}, other)).toEqual(first);
  });

  it('pages with the cursors of compiled runs, with no duplicates and no gaps', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 30; page++) {
      const result: GqlResult<PageData> = await gw.gql<PageData>(PAGE, { after }, owner);
      expect(result.errors).toBeUndefined();
      const connection: PageData['data']['cong_an_people'] = result.data!.data.cong_an_people;
      seen.push(...connection.edges.map((e) => e.node.citizenId));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen.length).toBe(rows.length);
    expect(new Set(seen).size).toBe(rows.length);
  });

  it('keeps errors, their codes and paths, and partial data alike', async () => {
    const query = '{ data { cong_an_people(first: 2, where: { fullName: { eq: "x" } }) { edges { node { district } } } } }';
    const first = await answer(query, {}, other);
    expect(first.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(first.errors[0].path).toEqual(['data', 'cong_an_people']);
    for (let i = 0; i < 2; i++) expect(await answer(query, {}, other)).toEqual(first);
    const badCursor = '{ data { cong_an_people(first: 2, after: "bm90LWEtY3Vyc29y") { edges { node { district } } } } }';
    const refused = await answer(badCursor, {}, owner);
    expect(refused.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    for (let i = 0; i < 2; i++) expect(await answer(badCursor, {}, owner)).toEqual(refused);
  });

  it('runs a document compiled before a schema change against the new schema', async () => {
    const query = '{ data { cong_an_people(first: 3) { edges { node { district } } maskedFields } } }';
    for (let i = 0; i < 3; i++) expect((await answer(query, {}, other)).data.data.cong_an_people.maskedFields).toEqual(['citizenId', 'fullName']);
    // A schema without district: the same text is now invalid, and must be refused as such.
    const { district: _district, ...properties } = PEOPLE_SCHEMA.properties;
    const changed = await gw.gql('mutation($s: JSON!) { updateDataset(id: "cong-an.people", input: { recordSchema: $s }) { id } }', { s: { ...PEOPLE_SCHEMA, required: PEOPLE_SCHEMA.required.filter((f) => f !== 'district'), properties } }, publisher);
    expect(changed.errors, JSON.stringify(changed.errors)).toBeUndefined();
    const after = await gw.gql(query, {}, other);
    expect(after.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(after.errors?.[0]?.message).toMatch(/district/);
  });
});
