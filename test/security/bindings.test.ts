import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { codeOf, startTestGateway, type TestGateway } from '../kit.js';
import { PEOPLE_SCHEMA, peopleRows } from '../sample-rows.js';
import { mongodbSource, postgresSource, type TestSource } from '../sources.js';

/**
 * Attack class 1: bindings are owned. A publisher of Sở Tài chính tries to bind Công an's
 * source, the database's system catalogue and the platform's own MongoDB database, and reads
 * nothing; every refusal writes nothing, and the sources and the API stay healthy.
 */
const rows = peopleRows(40);
let residents: TestSource;
let land: TestSource;
let gw: TestGateway;
let finance: string;
let police: string;
const REGISTER = 'mutation($input: DatasetInput!) { registerDataset(input: $input) { id } }';
const RECORDS = 'query($d: ID!) { records(dataset: $d, first: 5) { edges { node } } }';

const input = (slug: string, connector: Record<string, unknown>, schema: Record<string, unknown> = PEOPLE_SCHEMA) => ({
  slug,
  title: `Thử ${slug}`,
  description: 'Bộ dữ liệu thử nghiệm.',
  classification: 'PUBLIC',
  recordSchema: schema,
  connector,
});

beforeAll(async () => {
  residents = await postgresSource(rows);
  land = await mongodbSource(rows, ['nong-nghiep-moi-truong']);
  const registry = {
    ...residents.credentials,
    ...land.credentials,
    // A registry entry that (wrongly) lists a system schema and the catalogue database still reaches neither.
    'careless-pg': { type: 'postgres', url: (residents.credentials['test-pg']!).url, departments: ['tai-chinh'], reach: { tables: ['pg_catalog.*', 'information_schema.*'] } },
    'careless-mongo': { type: 'mongodb', url: inject('mongoUri'), departments: ['tai-chinh'], reach: { collections: ['kho_du_lieu.*', 'admin.*', 'local.*', 'config.*'] } },
  };
  gw = await startTestGateway({ env: { SOURCE_CREDENTIALS: JSON.stringify(registry), MONGODB_DB: 'kho_du_lieu' } });
  finance = gw.token('mallory', 'tai-chinh', ['publisher', 'analyst']);
  police = gw.token('pub', 'cong-an', ['publisher', 'analyst']);
  await gw.publishDataset(police, { ...input('people', residents.connector), classification: 'RESTRICTED' });
});

afterAll(async () => {
  await gw?.close();
  await residents?.drop();
  await land?.drop();
});

async function refusedAndNothingWritten(token: string, body: Record<string, unknown>, path: string) {
  const before = await gw.catalogue.datasets.countDocuments();
  const result = await gw.gql(REGISTER, { input: body }, token);
  expect(codeOf(result), JSON.stringify(result.errors)).toBe('BAD_USER_INPUT');
  expect(result.errors![0]!.extensions!.details!.map((d) => d.path)).toContain(path);
  expect(await gw.catalogue.datasets.countDocuments()).toBe(before);
}

describe('source bindings are owned', () => {
  it("refuses another department's credential, and says the same as for one that does not exist", async () => {
    await refusedAndNothingWritten(finance, input('stolen', residents.connector), 'input.connector.options.credentials');
    const missing = await gw.gql(REGISTER, { input: input('ghost', { ...residents.connector, options: { ...residents.connector.options, credentials: 'no-such' } }) }, finance);
    const stolen = await gw.gql(REGISTER, { input: input('stolen', residents.connector) }, finance);
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
    const admin = gw.token('root', 'platform', ['admin']);
    await refusedAndNothingWritten(admin, { ...input('roles-admin', authid, authidSchema), department: 'tai-chinh' }, 'input.connector.options.schema');
  });

  it('refuses a table or collection outside what the credential may reach', async () => {
    await refusedAndNothingWritten(police, input('other-table', { ...residents.connector, options: { ...residents.connector.options, table: 'secrets' } }), 'input.connector.options.table');
    const landEntry = land.connector.options;
    const nnmt = gw.token('p', 'nong-nghiep-moi-truong', ['publisher']);
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
    try {
      const schema = { type: 'object', required: ['citizenId'], properties: { citizenId: { type: 'string' }, fullName: { type: 'string' } } };
      for (const file of ['../secret.csv', `${outside}/secret.csv`, 'a/../../secret.csv']) {
        const result = await own.gql(REGISTER, { input: input(`escape-${file.length}`, { type: 'csv', options: { file, credentials: 'files' } }, schema) }, police);
        expect(codeOf(result), file).toBe('BAD_USER_INPUT');
      }
      await own.publishDataset(police, input('linked', { type: 'csv', options: { file: 'linked.csv', credentials: 'files', keyField: 'citizenId' } }, schema));
      const read = await own.gql(RECORDS, { d: 'cong-an.linked' }, police);
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
      dbName: gw.db.databaseName,
    });
    try {
      const events = await gw.auditLog.events.countDocuments();
      const result = await narrowed.gql(RECORDS, { d: 'cong-an.people' }, police);
      expect(codeOf(result)).toBe('SOURCE_UNAVAILABLE');
      expect(result.errors![0]!.message).toMatch(/credential registry/);
      expect(result.data?.records ?? null).toBeNull();
      expect(await gw.auditLog.events.countDocuments()).toBe(events);
    } finally {
      await narrowed.detach();
    }
    // The registry that allows it still serves the owner: nothing was broken.
    expect((await gw.gql<{ records: { edges: unknown[] } }>(RECORDS, { d: 'cong-an.people' }, police)).data!.records.edges).toHaveLength(5);
    expect(await residents.count()).toBe(rows.length);
  });

  it('audits a read through a shared source under the department that owns the source too', async () => {
    const shared = await postgresSource(rows, undefined, ['cong-an', 'tai-chinh']);
    const other = await startTestGateway({ env: { SOURCE_CREDENTIALS: JSON.stringify(shared.credentials) } });
    try {
      const financePublisher = other.token('lan', 'tai-chinh', ['publisher', 'analyst']);
      await other.publishDataset(financePublisher, input('borrowed', shared.connector));
      expect((await other.gql<{ records: { edges: unknown[] } }>(RECORDS, { d: 'tai-chinh.borrowed' }, financePublisher)).data!.records.edges).toHaveLength(5);
      const steward = other.token('binh', 'cong-an', ['steward']);
      const seen = await other.gql<{ auditEvents: { edges: { node: { action: string; datasetId: string } }[] } }>('{ auditEvents(first: 20) { edges { node { action datasetId } } } }', undefined, steward);
      expect(seen.data!.auditEvents.edges.map((e) => e.node)).toContainEqual({ action: 'data.read', datasetId: 'tai-chinh.borrowed' });
    } finally {
      await other.close();
      await shared.drop();
    }
  });
});
