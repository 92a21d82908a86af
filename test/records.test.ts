import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldsOf, type RecordSchema } from '../server/catalogue/record-schema.js';
import { codeOf, startTestGateway, type TestGateway } from './kit.js';
import { PEOPLE_SCHEMA, peopleRows } from './sample-rows.js';
import { postgresSource, type TestSource } from './sources.js';

const rows = peopleRows(50);
const fields = fieldsOf(PEOPLE_SCHEMA as unknown as RecordSchema);
let source: TestSource;
let gw: TestGateway;
let owner: string;
let outsider: string;

const RECORDS = 'query($dataset: ID!, $where: JSON, $first: Int) { records(dataset: $dataset, where: $where, first: $first) { edges { node } } }';
type Records = { records: { edges: { node: Record<string, unknown> }[] } };

async function register(slug: string, classification: string) {
  const publisher = gw.token('pub', 'cong-an', ['publisher']);
  const input = { slug, title: `Thử nghiệm ${slug}`, description: 'Bảng thử nghiệm.', classification, recordSchema: PEOPLE_SCHEMA, connector: source.connector };
  await gw.publishDataset(publisher, input);
}

beforeAll(async () => {
  source = await postgresSource(rows);
  gw = await startTestGateway({ env: { SOURCE_CREDENTIALS: JSON.stringify(source.credentials) } });
  owner = gw.token('officer', 'cong-an', ['analyst']);
  outsider = gw.token('analyst', 'tai-chinh', ['analyst']);
  await register('people', 'RESTRICTED');
  await register('people-public', 'PUBLIC');
});

afterAll(async () => {
  await gw?.close();
  await source?.drop();
});

describe('reading records', () => {
  it('lets the owner and PUBLIC readers in, and nobody else; myAccess says the same', async () => {
    const ACCESS = '{ dataset(id: "cong-an.people") { myAccess { canRead reason visibleFields hiddenFields } } }';
    const mine = await gw.gql<{ dataset: { myAccess: { canRead: boolean; visibleFields: string[] } } }>(ACCESS, undefined, owner);
    expect(mine.data!.dataset.myAccess).toMatchObject({ canRead: true, visibleFields: fields.map((f) => f.name) });
    const theirs = await gw.gql<{ dataset: { myAccess: { canRead: boolean; reason: string; hiddenFields: string[] } } }>(ACCESS, undefined, outsider);
    expect(theirs.data!.dataset.myAccess).toMatchObject({ canRead: false, hiddenFields: fields.map((f) => f.name) });
    expect(theirs.data!.dataset.myAccess.reason).toContain('RESTRICTED');

    expect(codeOf(await gw.gql(RECORDS, { dataset: 'cong-an.people' }, outsider))).toBe('FORBIDDEN');
    const open = await gw.gql<Records>(RECORDS, { dataset: 'cong-an.people-public', first: 5 }, outsider);
    expect(open.data!.records.edges).toHaveLength(5);
    expect(codeOf(await gw.gql(RECORDS, { dataset: 'cong-an.nothing' }, owner))).toBe('NOT_FOUND');
  });

  it('refuses filters that name unknown fields, with paths', async () => {
    const result = await gw.gql(RECORDS, { dataset: 'cong-an.people', where: { and: [{ nope: { eq: 1 } }, { district: { like: 'x' } }] } }, owner);
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0]!.extensions!.details!.map((d) => d.path)).toEqual(['where.and.0.nope', 'where.and.1.district.like']);
  });

  it('gives SOURCE_UNAVAILABLE without leaking connection details when the source is down', async () => {
    const down = await startTestGateway({ env: { SOURCE_CREDENTIALS: JSON.stringify({ 'test-pg': { ...source.credentials['test-pg']!, url: 'postgres://postgres:s3cret@127.0.0.1:1/test' } }) }, dbName: gw.db.databaseName });
    try {
      const result = await down.gql(RECORDS, { dataset: 'cong-an.people', first: 3 }, owner);
      expect(codeOf(result)).toBe('SOURCE_UNAVAILABLE');
      expect(JSON.stringify(result.errors)).not.toMatch(/s3cret|127\.0\.0\.1|postgres:\/\//);
    } finally {
      await down.detach();
    }
  });

  it('reports schema drift when a dataset is published and on demand', async () => {
    const publisher = gw.token('pub', 'cong-an', ['publisher']);
    const schema = { ...PEOPLE_SCHEMA, properties: { ...PEOPLE_SCHEMA.properties, birthYear: { type: 'string' }, religion: { type: 'string' } } };
    const input = { slug: 'drifted', title: 'Lệch lược đồ', description: 'Bảng thử nghiệm.', classification: 'PUBLIC', recordSchema: schema, connector: source.connector };
    await gw.gql('mutation($input: DatasetInput!) { registerDataset(input: $input) { id } }', { input }, publisher);
    const published = await gw.gql<{ publishDataset: { health: { ok: boolean; issues: string[] } } }>(
      'mutation { publishDataset(id: "cong-an.drifted") { health { ok issues } } }',
      undefined,
      publisher,
    );
    expect(published.data!.publishDataset.health).toEqual({
      ok: false,
      issues: ['field "birthYear" is string in the record schema but integer (integer) in the source', 'field "religion" is missing in the source'],
    });
    const again = await gw.gql<{ checkDatasetHealth: { ok: boolean } }>('mutation { checkDatasetHealth(id: "cong-an.people") { ok issues } }', undefined, publisher);
    expect(again.data!.checkDatasetHealth.ok).toBe(true);
    expect(codeOf(await gw.gql('mutation { checkDatasetHealth(id: "cong-an.people") { ok } }', undefined, outsider))).toBe('FORBIDDEN');
  });
});
