import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { codeOf, dataOf, pathsOf, startTestGateway, type Actor } from '../kit.js';
import { admin, like, publisherOfCongAn, publisherOfTaiChinh, stewardOfCongAn } from '../kit/personas.js';
import { publishedSource, withPublishedSource } from '../kit/stories.js';
import { PEOPLE_SCHEMA, peopleRows } from '../sample-rows.js';
import { mongodbSource, type TestSource } from '../sources.js';

/**
 * Attack class 1: bindings are owned. A publisher of Sở Tài chính tries to bind Công an's
 * source, the database's system catalogue and the platform's own MongoDB database, and reads
 * nothing; every refusal writes nothing, and the sources and the API stay healthy.
 */
const rows = peopleRows(40);
const police = like(publisherOfCongAn, { id: 'pub', roles: ['publisher', 'analyst'] });
const mallory = like(publisherOfTaiChinh, { id: 'mallory', roles: ['publisher', 'analyst'] });

const input = (slug: string, connector: Record<string, unknown>, schema: Record<string, unknown> = PEOPLE_SCHEMA) => ({
  slug,
  title: `Thử ${slug}`,
  description: 'Bộ dữ liệu thử nghiệm.',
  classification: 'PUBLIC',
  recordSchema: schema,
  connector,
});

let land: TestSource;
beforeAll(async () => {
  land = await mongodbSource(rows, ['nong-nghiep-moi-truong']);
});
afterAll(async () => {
  await land?.drop();
});

const residents = withPublishedSource(rows, 'RESTRICTED', () => ({
  publisher: police,
  input: { title: 'Thử people', description: 'Bộ dữ liệu thử nghiệm.' },
  credentials: (source) => ({
    ...land.credentials,
    // A registry entry that (wrongly) lists a system schema and the catalogue database still reaches neither.
    'careless-pg': { type: 'postgres', url: source.credentials['test-pg']!.url, departments: ['tai-chinh'], reach: { tables: ['pg_catalog.*', 'information_schema.*'] } },
    'careless-mongo': { type: 'mongodb', url: inject('mongoUri'), departments: ['tai-chinh'], reach: { collections: ['kho_du_lieu.*', 'admin.*', 'local.*', 'config.*'] } },
  }),
  gateway: { env: { MONGODB_DB: 'kho_du_lieu' } },
}));
const finance = residents.as(mallory);
const owner = residents.as(police);

async function refusedAndNothingWritten(who: Actor, body: Record<string, unknown>, path: string) {
  const before = await residents.gw.catalogue.datasets.countDocuments();
  const result = await who.registerDataset({ input: body });
  expect(codeOf(result), JSON.stringify(result.errors)).toBe('BAD_USER_INPUT');
  expect(pathsOf(result)).toContain(path);
  expect(await residents.gw.catalogue.datasets.countDocuments()).toBe(before);
}

describe('source bindings are owned', () => {
  it("refuses another department's credential, and says the same as for one that does not exist", async () => {
    const { connector } = residents.source;
    await refusedAndNothingWritten(finance, input('stolen', connector), 'input.connector.options.credentials');
    const missing = await finance.registerDataset({ input: input('ghost', { ...connector, options: { ...connector.options, credentials: 'no-such' } }) });
    const stolen = await finance.registerDataset({ input: input('stolen', connector) });
    expect(missing.errors![0]!.extensions!.details![0]!.message.replace('no-such', '')).toBe(stolen.errors![0]!.extensions!.details![0]!.message.replace('test-pg', ''));
  });

  it('refuses system schemas and the catalogue database whatever the registry says, even for an admin', async () => {
    const authid = { type: 'postgres', options: { schema: 'pg_catalog', table: 'pg_authid', credentials: 'careless-pg', keyField: 'rolname' } };
    const authidSchema = { type: 'object', required: ['rolname'], properties: { rolname: { type: 'string' }, rolpassword: { type: ['string', 'null'] } } };
    await refusedAndNothingWritten(finance, input('roles', authid, authidSchema), 'input.connector.options.schema');
    await refusedAndNothingWritten(finance, input('columns', { type: 'postgres', options: { schema: 'information_schema', table: 'columns', credentials: 'careless-pg' } }), 'input.connector.options.schema');
    const auditSchema = { type: 'object', required: ['actor'], properties: { actor: { type: 'string' } } };
    for (const database of ['kho_du_lieu', 'admin', 'local', 'config', 'KHO_DU_LIEU']) {
      await refusedAndNothingWritten(finance, input(`audit-${database.toLowerCase().replace(/_/g, "-")}`, { type: 'mongodb', options: { database, collection: 'audit_events', credentials: 'careless-mongo' } }, auditSchema), 'input.connector.options.database');
    }
    await refusedAndNothingWritten(residents.as(admin), { ...input('roles-admin', authid, authidSchema), department: 'tai-chinh' }, 'input.connector.options.schema');
  });

  it('refuses a table or collection outside what the credential may reach', async () => {
    const { connector } = residents.source;
    await refusedAndNothingWritten(owner, input('other-table', { ...connector, options: { ...connector.options, table: 'secrets' } }), 'input.connector.options.table');
    const landEntry = land.connector.options;
    const nnmt = residents.as(like(publisherOfCongAn, { id: 'p', department: 'nong-nghiep-moi-truong' }));
    await refusedAndNothingWritten(nnmt, input('other-coll', { type: 'mongodb', options: { ...landEntry, collection: 'owners' } }), 'input.connector.options.collection');
    await refusedAndNothingWritten(nnmt, input('wrong-type', { type: 'postgres', options: { table: 'people', credentials: 'test-mongo' } }), 'input.connector.options.credentials');
  });

  it('refuses csv files outside the credential folder, by name or through a link', async () => {
    const { mkdtemp, symlink, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const folder = await mkdtemp(join(tmpdir(), 'csv-escape-'));
    const outside = await mkdtemp(join(tmpdir(), 'csv-outside-'));
    await writeFile(join(outside, 'secret.csv'), 'citizenId,fullName\n079000000001,Bí Mật\n');
    await symlink(join(outside, 'secret.csv'), join(folder, 'linked.csv'));
    const registry = { files: { type: 'csv', folder, departments: ['cong-an'], reach: {} } };
    const own = await startTestGateway({ env: { SOURCE_CREDENTIALS: JSON.stringify(registry) } });
    const publisher = own.as(police);
    try {
      const schema = { type: 'object', required: ['citizenId'], properties: { citizenId: { type: 'string' }, fullName: { type: 'string' } } };
      for (const file of ['../secret.csv', `${outside}/secret.csv`, 'a/../../secret.csv']) {
        const result = await publisher.registerDataset({ input: input(`escape-${file.length}`, { type: 'csv', options: { file, credentials: 'files' } }, schema) });
        expect(codeOf(result), file).toBe('BAD_USER_INPUT');
      }
      await own.publishDataset(publisher.token, input('linked', { type: 'csv', options: { file: 'linked.csv', credentials: 'files', keyField: 'citizenId' } }, schema));
      const read = await publisher.records({ dataset: 'cong-an.linked', first: 5 });
      expect(codeOf(read)).toBe('SOURCE_UNAVAILABLE');
      expect(JSON.stringify(read)).not.toContain('079000000001');
    } finally {
      await own.close();
      await rm(folder, { recursive: true, force: true });
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('re-checks every read against the registry as it is now', async () => {
    // A second gateway on the same catalogue whose registry no longer lets Công an reach the table.
    const narrowed = await startTestGateway({
      env: { SOURCE_CREDENTIALS: JSON.stringify({ 'test-pg': { ...residents.credentials['test-pg']!, reach: { tables: [] } } }), MONGODB_DB: 'kho_du_lieu' },
      dbName: residents.gw.db.databaseName,
    });
    try {
      const events = await residents.gw.auditLog.events.countDocuments();
      const result = await narrowed.as(police).records({ dataset: 'cong-an.people', first: 5 });
      expect(codeOf(result)).toBe('SOURCE_UNAVAILABLE');
      expect(result.errors![0]!.message).toMatch(/credential registry/);
      expect(result.data?.records ?? null).toBeNull();
      expect(await residents.gw.auditLog.events.countDocuments()).toBe(events);
    } finally {
      await narrowed.detach();
    }
    // The registry that allows it still serves the owner: nothing was broken.
    expect(dataOf(await owner.records({ dataset: 'cong-an.people', first: 5 })).records.edges).toHaveLength(5);
    expect(await residents.source.count()).toBe(rows.length);
  });

  it('audits a read through a shared source under the department that owns the source too', async () => {
    const lender = like(publisherOfTaiChinh, { id: 'lan', roles: ['publisher', 'analyst'] });
    const borrowed = await publishedSource(rows, 'PUBLIC', { departments: ['cong-an', 'tai-chinh'], publisher: lender, slug: 'borrowed', title: 'Thử borrowed', input: { description: 'Bộ dữ liệu thử nghiệm.' } });
    try {
      expect(dataOf(await borrowed.as(lender).records({ dataset: 'tai-chinh.borrowed', first: 5 })).records.edges).toHaveLength(5);
      const seen = dataOf(await borrowed.as(stewardOfCongAn).auditEvents({ first: 20 }));
      expect(seen.auditEvents.edges.map((e) => ({ action: e.node.action, datasetId: e.node.datasetId }))).toContainEqual({ action: 'data.read', datasetId: 'tai-chinh.borrowed' });
    } finally {
      await borrowed.close();
    }
  });
});
