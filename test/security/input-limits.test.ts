import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coerceRow } from '../../connectors/values.js';
import { codeOf, startTestGateway, type TestGateway } from '../kit.js';
import { PEOPLE_SCHEMA, peopleRows } from '../sample-rows.js';
import { postgresSource, type TestSource } from '../sources.js';

/**
 * Attack class: input that costs more than it says. Nesting deep enough to overflow recursive
 * code, filters that would keep a source busy for minutes, and names that JavaScript objects
 * already answer to are refused as the client's BAD_USER_INPUT, change nothing, and leave the
 * API answering.
 */
const rows = peopleRows(40);
let source: TestSource;
let gw: TestGateway;
let publisher: string;

const REGISTER = 'mutation($input: DatasetInput!) { registerDataset(input: $input) { id } }';
const RECORDS = 'query($where: JSON) { records(dataset: "cong-an.people", where: $where, first: 5) { edges { node } } }';
const TYPED = 'query($where: CongAnPeopleWhere) { data { cong_an_people(where: $where, first: 5) { edges { node { citizenId } } } } }';
/** JSON text nested `depth` levels deep under `key`, written as text: JSON.stringify itself would overflow. */
const nested = (depth: number, leaf: string, key = 'not'): string => `${`{"${key}":`.repeat(depth)}${leaf}${'}'.repeat(depth)}`;

/** A GraphQL POST whose variables are JSON text, as a hostile client sends it. */
async function postRaw(query: string, variablesJson: string, token: string) {
  const response = await fetch(`${gw.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: `{"query":${JSON.stringify(query)},"variables":${variablesJson}}`,
  });
  return (await response.json()) as { errors?: { extensions?: { code?: string; details?: { path: string; message: string }[] } }[] };
}

beforeAll(async () => {
  source = await postgresSource(rows);
  gw = await startTestGateway({ env: { SOURCE_CREDENTIALS: JSON.stringify(source.credentials) } });
  publisher = gw.token('pub', 'cong-an', ['publisher', 'analyst']);
  await gw.publishDataset(publisher, { slug: 'people', title: 'Dân cư', description: 'Thử.', classification: 'RESTRICTED', recordSchema: PEOPLE_SCHEMA, connector: source.connector });
});

afterAll(async () => {
  await gw?.close();
  await source?.drop();
});

const stillAnswers = async () => {
  const read = await gw.gql<{ records: { edges: unknown[] } }>(RECORDS, { where: null }, publisher);
  expect(read.errors, JSON.stringify(read.errors)).toBeUndefined();
  expect(read.data!.records.edges).toHaveLength(5);
};

describe('deep input', () => {
  it('refuses a record schema nested 1,500 levels deep, or with deep data, and registers nothing', async () => {
    const people = JSON.stringify(PEOPLE_SCHEMA.properties);
    for (const [slug, recordSchema] of [
      ['deep-allof', `{"type":"object","properties":${people},"allOf":[${nested(1500, '{"type":"object"}')}]}`],
      ['deep-enum', `{"type":"object","properties":${people.slice(0, -1)},"extra":{"type":"string","examples":[${nested(5000, '"x"', 'a')}]}}}`],
    ] as const) {
      const input = `{"slug":"${slug}","title":"Sâu","description":"Thử.","classification":"INTERNAL","recordSchema":${recordSchema},"connector":${JSON.stringify(source.connector)}}`;
      const result = await postRaw(REGISTER, `{"input":${input}}`, publisher);
      expect(result.errors?.[0]?.extensions?.code, JSON.stringify(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0]!.extensions!.details![0]!.message).toMatch(/nests deeper than 64 levels/);
      expect(await gw.catalogue.datasets.countDocuments({ _id: `cong-an.${slug}` })).toBe(0);
    }
    await stillAnswers();
  });

  it('refuses a typed where nested 9,000 levels deep in variables, and an export parameter likewise', async () => {
    const typed = await postRaw(TYPED, `{"where":${nested(9000, '{"district":{"eq":"Quận 1"}}')}}`, publisher);
    expect(typed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(typed.errors![0]!.extensions!.details![0]!.path).toMatch(/^variables\.where(\.not)+$/);
    const response = await fetch(`${gw.base}/export/cong-an.people.ndjson?where=${encodeURIComponent(nested(200, '{"district":{"eq":"Quận 1"}}'))}`, { headers: { authorization: `Bearer ${publisher}` } });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
    await stillAnswers();
  });
});

describe('filters that would keep a source busy', () => {
  it('refuses an or of more pattern matches, comparisons or list values than the budget, before the source is asked', async () => {
    const asked = gw.records.sourceQueries.get('cong-an.people') ?? 0;
    for (const [what, where] of [
      ['1,300 contains', { or: Array.from({ length: 1300 }, (_, i) => ({ fullName: { contains: `q${i}` } })) }],
      ['21 contains', { or: Array.from({ length: 21 }, (_, i) => ({ fullName: { contains: `q${i}` } })) }],
      ['101 comparisons', { or: Array.from({ length: 101 }, (_, i) => ({ birthYear: { eq: 1900 + i } })) }],
      ['3 lists of 1,000', { or: [0, 1, 2].map((k) => ({ citizenId: { in: Array.from({ length: 1000 }, (_, i) => `${k}${i}`) } })) }],
      ['a long pattern', { fullName: { contains: 'x'.repeat(201) } }],
    ] as const) {
      const result = await gw.gql(RECORDS, { where }, publisher);
      expect(codeOf(result), what).toBe('BAD_USER_INPUT');
    }
    expect(gw.records.sourceQueries.get('cong-an.people') ?? 0).toBe(asked);
    // Within the budget the same shapes are served.
    const fine = await gw.gql<{ records: { edges: unknown[] } }>(RECORDS, { where: { or: Array.from({ length: 20 }, (_, i) => ({ fullName: { contains: String(i) } })) } }, publisher);
    expect(fine.errors, JSON.stringify(fine.errors)).toBeUndefined();
  });
});

describe('names every object already answers to', () => {
  it('refuses fields named after inherited members at registration', async () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf']) {
      const recordSchema = { ...PEOPLE_SCHEMA, properties: { ...PEOPLE_SCHEMA.properties, [name]: { type: ['string', 'null'] } } };
      const result = await gw.gql(REGISTER, { input: { slug: `odd-${name.toLowerCase()}`, title: 'Lạ', description: 'Thử.', classification: 'INTERNAL', recordSchema, connector: source.connector } }, publisher);
      expect(codeOf(result), name).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(result.errors![0]!.extensions!.details), name).toContain(name);
    }
  });

  it('reads only a source row’s own properties, and refuses a structure as text', () => {
    const fields = [
      { name: 'constructor', type: 'string' as const, nullable: true, required: false },
      { name: 'note', type: 'string' as const, nullable: true, required: false },
    ];
    expect(coerceRow({}, fields)).toEqual({ constructor: null, note: null });
    expect(() => coerceRow({ note: { $ne: 1 } }, fields)).toThrow(/structure/);
  });
});
