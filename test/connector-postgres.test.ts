import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, parseWhere } from '../connectors/filter.js';
import { fieldsOf, type RecordSchema } from '../server/catalogue/record-schema.js';
import { codeOf, startTestGateway, type TestGateway } from './kit.js';
import { generatedFilters, PEOPLE_SCHEMA, peopleRows } from './sample-rows.js';

const PG_URL = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const schemaName = `t_${randomUUID().slice(0, 8)}`;
const rows = peopleRows(400);
const fields = fieldsOf(PEOPLE_SCHEMA as unknown as RecordSchema);
const fieldMap = new Map(fields.map((f) => [f.name, f]));

let admin: pg.Client;
let gw: TestGateway;
let owner: string;
let outsider: string;

const RECORDS = /* GraphQL */ `
  query Records($dataset: ID!, $where: JSON, $select: [String!], $orderBy: [OrderBy!], $first: Int, $after: String) {
    records(dataset: $dataset, where: $where, select: $select, orderBy: $orderBy, first: $first, after: $after) {
      edges { cursor node }
      pageInfo { hasNextPage endCursor }
    }
  }
`;
type Records = { records: { edges: { cursor: string; node: Record<string, unknown> }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };

async function register(slug: string, table: string, classification: string) {
  const publisher = gw.token('pub', 'cong-an', ['publisher']);
  const input = {
    slug,
    title: `Thử nghiệm ${slug}`,
    description: 'Bảng thử nghiệm của bộ kiểm thử kết nối PostgreSQL.',
    classification,
    recordSchema: PEOPLE_SCHEMA,
    connector: { type: 'postgres', options: { schema: schemaName, table, credentials: 'test-pg', keyField: 'citizenId' } },
  };
  const result = await gw.gql('mutation($input: DatasetInput!) { registerDataset(input: $input) { id } }', { input }, publisher);
  expect(result.errors).toBeUndefined();
  await gw.gql('mutation($id: ID!) { publishDataset(id: $id) { id } }', { id: `cong-an.${slug}` }, publisher);
}

beforeAll(async () => {
  admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schemaName}`);
  await admin.query(`CREATE TABLE ${schemaName}.people ("citizenId" text PRIMARY KEY, "fullName" text NOT NULL, "district" text NOT NULL,
    "birthYear" integer NOT NULL, "birthDate" date NOT NULL, "income" numeric, "active" boolean NOT NULL, "note" text)`);
  for (const r of rows) {
    await admin.query(`INSERT INTO ${schemaName}.people VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, [r.citizenId, r.fullName, r.district, r.birthYear, r.birthDate, r.income, r.active, r.note]);
  }
  gw = await startTestGateway({ env: { SOURCE_CREDENTIALS: JSON.stringify({ 'test-pg': PG_URL }), SOURCE_TIMEOUT_MS: '1500' } });
  owner = gw.token('officer', 'cong-an', ['analyst']);
  outsider = gw.token('analyst', 'tai-chinh', ['analyst']);
  await register('people', 'people', 'RESTRICTED');
  await register('people-public', 'people', 'PUBLIC');
});

afterAll(async () => {
  await gw?.close();
  await admin?.query(`DROP SCHEMA IF EXISTS ${schemaName} CASCADE`);
  await admin?.end();
});

const read = (variables: Record<string, unknown>, token = owner) => gw.gql<Records>(RECORDS, { dataset: 'cong-an.people', first: 1000, ...variables }, token);

describe('postgres connector', () => {
  it('answers at least 50 generated filters exactly as in-process evaluation', async () => {
    const filters = generatedFilters(rows);
    expect(filters.length).toBeGreaterThanOrEqual(50);
    let selective = 0;
    for (const where of filters) {
      const expected = rows
        .filter((r) => evaluate(parseWhere(where, fields), r as unknown as Record<string, unknown>, fieldMap))
        .map((r) => r.citizenId)
        .sort();
      const result = await read({ where, select: ['citizenId'] });
      expect(result.errors, JSON.stringify(where)).toBeUndefined();
      const got = result.data!.records.edges.map((e) => e.node['citizenId'] as string);
      expect(got, JSON.stringify(where)).toEqual(expected);
      if (expected.length > 0 && expected.length < rows.length) selective++;
    }
    // The filters must discriminate, or matching them proves nothing.
    expect(selective).toBeGreaterThanOrEqual(40);
  });

  it('returns values typed as the record schema says', async () => {
    const sample = rows.find((r) => r.income !== null)!;
    const result = await read({ where: { citizenId: { eq: sample.citizenId } } });
    expect(result.data!.records.edges[0]!.node).toEqual(sample);
  });

  it('pages with no duplicates and no gaps under any ordering', async () => {
    const orderings = [[], [{ field: 'district', direction: 'DESC' }], [{ field: 'birthYear' }, { field: 'fullName', direction: 'DESC' }]];
    for (const orderBy of orderings) {
      const where = { birthYear: { gte: 1960 } };
      const whole = (await read({ where, orderBy, select: ['citizenId'] })).data!.records.edges.map((e) => e.node['citizenId']);
      const seen: unknown[] = [];
      let after: string | null = null;
      for (let guard = 0; guard < 200; guard++) {
        const page: Records['records'] = (await read({ where, orderBy, select: ['citizenId'], first: 9, after })).data!.records;
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
    const harmless = await read({ where: { fullName: { eq: "'; DROP TABLE people; --" } } });
    expect(harmless.data!.records.edges).toEqual([]);
    const { rows: count } = await admin.query(`SELECT count(*)::int AS n FROM ${schemaName}.people`);
    expect(count[0].n).toBe(rows.length);
  });

  it('refuses filters that name unknown fields, with paths', async () => {
    const result = await read({ where: { and: [{ nope: { eq: 1 } }, { district: { like: 'x' } }] } });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0]!.extensions!.details!.map((d) => d.path)).toEqual(['where.and.0.nope', 'where.and.1.district.like']);
  });

  it('lets the owner and PUBLIC readers in, and nobody else', async () => {
    const ACCESS = '{ dataset(id: "cong-an.people") { myAccess { canRead reason visibleFields hiddenFields } } }';
    const mine = await gw.gql<{ dataset: { myAccess: { canRead: boolean; visibleFields: string[] } } }>(ACCESS, undefined, owner);
    expect(mine.data!.dataset.myAccess).toMatchObject({ canRead: true, visibleFields: fields.map((f) => f.name) });
    const theirs = await gw.gql<{ dataset: { myAccess: { canRead: boolean; reason: string; hiddenFields: string[] } } }>(ACCESS, undefined, outsider);
    expect(theirs.data!.dataset.myAccess).toMatchObject({ canRead: false, hiddenFields: fields.map((f) => f.name) });
    expect(theirs.data!.dataset.myAccess.reason).toContain('RESTRICTED');
    expect(codeOf(await read({}, outsider))).toBe('FORBIDDEN');
    const open = await gw.gql<Records>(RECORDS, { dataset: 'cong-an.people-public', first: 5 }, outsider);
    expect(open.data!.records.edges).toHaveLength(5);
    expect(codeOf(await gw.gql(RECORDS, { dataset: 'cong-an.nothing' }, owner))).toBe('NOT_FOUND');
  });

  it('gives SOURCE_UNAVAILABLE within the timeout when the source hangs', async () => {
    const locker = new pg.Client({ connectionString: PG_URL });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE ${schemaName}.people IN ACCESS EXCLUSIVE MODE`);
      const started = Date.now();
      const result = await read({ first: 3 });
      const elapsed = Date.now() - started;
      expect(codeOf(result)).toBe('SOURCE_UNAVAILABLE');
      expect(result.errors![0]!.path).toEqual(['records']);
      expect(elapsed).toBeLessThan(5000);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    expect((await read({ first: 3 })).data!.records.edges).toHaveLength(3);
  });

  it('gives SOURCE_UNAVAILABLE without leaking connection details when the source is down', async () => {
    const down = await startTestGateway({ env: { SOURCE_CREDENTIALS: JSON.stringify({ 'test-pg': 'postgres://postgres:s3cret@127.0.0.1:1/test' }) }, dbName: gw.db.databaseName });
    try {
      const result = await down.gql(RECORDS, { dataset: 'cong-an.people', first: 3 }, owner);
      expect(codeOf(result)).toBe('SOURCE_UNAVAILABLE');
      expect(JSON.stringify(result.errors)).not.toMatch(/s3cret|127\.0\.0\.1|postgres:\/\//);
    } finally {
      await down.records.close();
      down.server.closeAllConnections();
      down.server.close();
      await down.client.close();
    }
  });
});

