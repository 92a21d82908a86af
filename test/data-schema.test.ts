import { randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, dataOf, startTestGateway } from './kit.js';
import { datasetInput } from './fixtures.js';
import { like, publisherOfCongAn, publisherOfGiaoDuc, publisherOfTaiChinh } from './kit/personas.js';
import { withPublishedSource } from './kit/stories.js';
import { peopleRows } from './sample-rows.js';
import { MYSQL_URL } from './sources.js';

const people = peopleRows(400);
const table = `biz_${randomUUID().slice(0, 8)}`;
const businesses = Array.from({ length: 1000 }, (_, i) => ({
  enterpriseCode: `03${String(10_000_000 + i).padStart(8, '0')}`,
  name: `Công ty TNHH số ${i}`,
  district: people[i % people.length]!.district,
  // Every 50th representative is not in the registry: the link resolves to null.
  legalRepresentativeId: i % 50 === 0 ? '000000000000' : people[(i * 7) % people.length]!.citizenId,
}));
const BUSINESS_SCHEMA = {
  type: 'object',
  required: ['enterpriseCode', 'name', 'district', 'legalRepresentativeId'],
  properties: { enterpriseCode: { type: 'string' }, name: { type: 'string' }, district: { type: 'string' }, legalRepresentativeId: { type: 'string', 'x-pii': true, 'x-mask': { strategy: 'PARTIAL', keepStart: 3, keepEnd: 3 } } },
};

let db: mysql.Connection;
beforeAll(async () => {
  db = await mysql.createConnection(MYSQL_URL);
  await db.query(`CREATE TABLE \`${table}\` (enterpriseCode CHAR(10) PRIMARY KEY, name VARCHAR(200), district VARCHAR(100), legalRepresentativeId CHAR(12)) CHARACTER SET utf8mb4`);
  await db.query(`INSERT INTO \`${table}\` VALUES ?`, [businesses.map((b) => Object.values(b))]);
});
afterAll(async () => {
  await db?.query(`DROP TABLE IF EXISTS \`${table}\``);
  await db?.end();
});

// Both departments read as well as publish: the police read the companies, Sở Tài chính the residents.
const policePersona = like(publisherOfCongAn, { roles: ['analyst', 'publisher'] });
const residents = withPublishedSource(people, 'RESTRICTED', {
  publisher: policePersona,
  title: 'Dân cư thử nghiệm',
  credentials: { 'test-mysql': { type: 'mysql', url: MYSQL_URL, departments: ['tai-chinh'], reach: { tables: [`test.${table}`] } } },
});
const analyst = residents.as(like(publisherOfTaiChinh, { roles: ['analyst', 'publisher'] }));
const police = residents.as(policePersona);

beforeAll(async () => {
  dataOf(
    await analyst.registerDataset({
      input: {
        slug: 'companies',
        title: 'Doanh nghiệp thử nghiệm',
        description: 'Thử nghiệm.',
        classification: 'PUBLIC',
        recordSchema: BUSINESS_SCHEMA,
        connector: { type: 'mysql', options: { table, credentials: 'test-mysql', keyField: 'enterpriseCode' } },
        links: [{ field: 'legalRepresentativeId', dataset: 'cong-an.people', targetField: 'citizenId', as: 'legalRepresentative' }],
      },
    }),
  );
});

const COMPANIES = /* GraphQL */ `
  query Companies($first: Int, $after: String) {
    data {
      tai_chinh_companies(first: $first, after: $after, where: { district: { in: ["Quận 1", "Quận 3", "Quận 10", "Quận Bình Thạnh", "Quận Gò Vấp", "Thành phố Thủ Đức", "Huyện Củ Chi"] } }) {
        edges { node { enterpriseCode name legalRepresentativeId legalRepresentative { citizenId fullName district } } }
        pageInfo { hasNextPage }
      }
    }
  }
`;
type Companies = { data: { tai_chinh_companies: { edges: { node: { legalRepresentativeId: string; legalRepresentative: { citizenId: string; fullName: string } | null } }[] } } };

describe('the typed data schema', () => {
  it('gains a field when a dataset is published, without a restart', async () => {
    expect(codeOf(await analyst.gql(COMPANIES, { first: 1 }))).toBe('BAD_USER_INPUT');
    dataOf(await analyst.publishDataset({ id: 'tai-chinh.companies' }));
    const result = dataOf(await analyst.gql<Companies>('{ data { tai_chinh_companies(first: 2) { edges { node { enterpriseCode name } } } } }'));
    expect(result.data.tai_chinh_companies.edges).toHaveLength(2);
  });

  it('filters and orders with generated, typed inputs', async () => {
    const result = dataOf(
      await police.gql<{ data: { cong_an_people: { edges: { node: { birthYear: number; district: string } }[] } } }>(
        '{ data { cong_an_people(first: 50, where: { district: { eq: "Quận 1" }, birthYear: { gte: 1970 } }, orderBy: [{ field: birthYear, direction: DESC }]) { edges { node { birthYear district } } } } }',
      ),
    );
    const nodes = result.data.cong_an_people.edges.map((e) => e.node);
    const expected = people.filter((p) => p.district === 'Quận 1' && p.birthYear >= 1970).map((p) => p.birthYear).sort((a, b) => b - a);
    expect(nodes.map((n) => n.birthYear)).toEqual(expected.slice(0, 50));
    expect(codeOf(await police.gql('{ data { cong_an_people(where: { birthYear: { eq: "1980" } }) { edges { cursor } } } }'))).toBe('BAD_USER_INPUT');
  });

  it('refuses the link under the caller’s rights once, and returns the rest of the page', async () => {
    const result = await analyst.gql<Companies>(COMPANIES, { first: 30 });
    expect(result.data!.data.tai_chinh_companies.edges).toHaveLength(30);
    expect(result.data!.data.tai_chinh_companies.edges.every((e) => e.node.legalRepresentative === null)).toBe(true);
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });

  it('resolves 1,000 links with one query to the linked source', async () => {
    // The police read the (public) companies and their own residents, so the link resolves for them.
    const before = residents.gw.records.sourceQueries.get('cong-an.people') ?? 0;
    const result = await police.gql<Companies>(COMPANIES, { first: 1000 });
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    const edges = result.data!.data.tai_chinh_companies.edges;
    expect(edges).toHaveLength(1000);
    expect(residents.gw.records.sourceQueries.get('cong-an.people')! - before).toBe(1);
    const byId = new Map(people.map((p) => [p.citizenId, p]));
    for (const { node } of edges) {
      expect(node.legalRepresentative?.fullName ?? null).toBe(byId.get(node.legalRepresentativeId)?.fullName ?? null);
    }
    expect(edges.filter((e) => e.node.legalRepresentative === null)).toHaveLength(20);
  });

  it('does not follow a link through a key the caller sees masked', async () => {
    // As INTERNAL data, the companies are read by other departments with personal data masked.
    dataOf(await analyst.updateDataset({ id: 'tai-chinh.companies', input: { classification: 'INTERNAL' } }));
    const result = await police.gql<Companies>(COMPANIES, { first: 50 });
    const edges = result.data!.data.tai_chinh_companies.edges;
    expect(edges).toHaveLength(50);
    expect(edges.every((e) => /^\d{3}\*{6}\d{3}$/.test(e.node.legalRepresentativeId) && e.node.legalRepresentative === null)).toBe(true);
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]!.message).toMatch(/in clear/);
  });

  it('loses the field when the dataset is deprecated', async () => {
    dataOf(await analyst.deprecateDataset({ id: 'tai-chinh.companies', reason: 'Thay thế' }));
    expect(codeOf(await analyst.gql(COMPANIES, { first: 1 }))).toBe('BAD_USER_INPUT');
  });
});

describe('a catalogue larger than the typed schema holds', () => {
  it('gives typed fields to the first datasets by id and leaves the rest to records', async () => {
    const small = await startTestGateway({ env: { DATA_SCHEMA_MAX_DATASETS: '2' } });
    try {
      const publisher = small.as(publisherOfGiaoDuc);
      for (const slug of ['c-schools', 'a-schools', 'b-schools']) await small.publishDataset(publisher.token, datasetInput({ slug, classification: 'PUBLIC' }));
      const fields = await publisher.gql<{ __type: { fields: { name: string }[] } }>('{ __type(name: "DataQuery") { fields { name } } }');
      expect(fields.data!.__type.fields.map((f) => f.name)).toEqual(['giao_duc_dao_tao_a_schools', 'giao_duc_dao_tao_b_schools']);
    } finally {
      await small.close();
    }
  });
});
