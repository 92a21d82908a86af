import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveSchema } from '../../schema/build-schema.js';
import { buildDatasetDocument } from '../../server/catalogue/catalogue-service.js';
import type { DatasetInput } from '../../server/catalogue/dataset.js';
import { createLogger } from '../../server/logger.js';
import { datasetInput } from '../fixtures.js';
import { codeOf, pathsOf, startTestGateway, type Actor, type GqlResult } from '../kit.js';
import { admin as platformAdmin, like, publisherOfCongAn, publisherOfTaiChinh } from '../kit/personas.js';
import { withGateway } from '../kit/stories.js';

/**
 * Issue 8, items 4 and 5: what a publisher writes into a record schema, or a dataset's id, can
 * neither change how the next record schema is judged nor take the typed API down for everyone.
 */

const DEPARTMENTS = ['cong-an', 'tai-chinh', 'nong-nghiep-moi-truong', 'y-te', 'giao-duc-dao-tao', 'khoa-hoc-cong-nghe', 'cong', 'access'];
const DRAFT = 'https://json-schema.org/draft/2020-12/schema';
const RESIDENTS_SCHEMA = {
  $schema: DRAFT,
  type: 'object',
  required: ['code', 'name'],
  properties: { code: { type: 'string' }, name: { type: 'string' }, district: { type: 'string' } },
};

let filesDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  filesDir = await mkdtemp(join(tmpdir(), 'schema-integrity-'));
  await writeFile(join(filesDir, 'residents.csv'), 'code,name,district\nR1,Nguyễn Văn An,Quận 1\nR2,Trần Thị Bình,Quận 3\nR3,Lê Văn Cường,Quận 5\n');
  await writeFile(join(filesDir, 'legacy.csv'), 'code,and,name\nL1,x,Cũ một\nL2,y,Cũ hai\n');
  env = {
    SOURCE_CREDENTIALS: JSON.stringify({
      'test-files': { type: 'csv', folder: 'test-files', departments: DEPARTMENTS, reach: {} },
      'si-files': { type: 'csv', folder: filesDir, departments: DEPARTMENTS, reach: {} },
    }),
  };
});
afterAll(async () => {
  if (filesDir) await rm(filesDir, { recursive: true, force: true });
});

const story = withGateway(() => ({ env }));
beforeAll(async () => {
  await story.gw.catalogue.upsertDepartment({ code: 'cong', name: 'Phòng thử nghiệm Cống' });
  await story.gw.catalogue.upsertDepartment({ code: 'access', name: 'Phòng thử nghiệm Access' });
});
const policePersona = like(publisherOfCongAn, { roles: ['analyst', 'publisher'] });
const publisher = story.as(publisherOfTaiChinh);
const police = story.as(policePersona);
const admin = story.as(platformAdmin);

const count = () => story.gw.catalogue.datasets.countDocuments();
const messagesOf = (result: GqlResult<unknown>) => result.errors?.[0]?.extensions?.details?.map((d) => d.message) ?? [];
const withSchema = (slug: string, recordSchema: Record<string, unknown>) => datasetInput({ slug, recordSchema });

describe('record schemas are judged in isolation', () => {
  it('refuses a record schema posing as the 2020-12 meta-schema, and the next registration and update still succeed', async () => {
    const before = await count();
    const attack = await publisher.registerDataset({ input: withSchema('meta-attack', { $id: DRAFT, type: 'object', properties: { a: { type: 'string' } } }) });
    expect(codeOf(attack)).toBe('BAD_USER_INPUT');
    expect(pathsOf(attack)).toEqual(['input.recordSchema.$id']);
    expect(await count()).toBe(before);

    // Before the fix, the refusal removed the meta-schema and every later registration failed.
    const next = await publisher.registerDataset({ input: datasetInput({ slug: 'after-attack' }) });
    expect(next.errors, JSON.stringify(next.errors)).toBeUndefined();
    expect(next.data?.registerDataset.id).toBe('tai-chinh.after-attack');

    // The same attack through an update is refused too, and changes nothing.
    const viaUpdate = await publisher.updateDataset({ id: 'tai-chinh.after-attack', input: { recordSchema: { $id: DRAFT, type: 'object', properties: { a: { type: 'string' } } } } });
    expect(codeOf(viaUpdate)).toBe('BAD_USER_INPUT');
    expect((await story.gw.catalogue.getUnchecked('tai-chinh.after-attack'))?.version).toBe(1);

    const update = await publisher.updateDataset({ id: 'tai-chinh.after-attack', input: { recordSchema: { $schema: DRAFT, type: 'object', properties: { marketCode: { type: 'string' }, area: { type: ['number', 'null'] } } } } });
    expect(update.errors, JSON.stringify(update.errors)).toBeUndefined();
    expect(update.data?.updateDataset).toMatchObject({ version: 2, fields: [{ name: 'marketCode' }, { name: 'area' }] });
    // And the platform still judges record schemas by the meta-schema.
    const invalid = await publisher.registerDataset({ input: withSchema('still-judged', { type: 'object', properties: { a: { type: 'string', minLength: -1 } } }) });
    expect(pathsOf(invalid)).toEqual(['input.recordSchema.properties.a.minLength']);
  });

  it('refuses keys that name schemas or pull other schemas in, at the root and inside fields, with their paths', async () => {
    const before = await count();
    const result = await publisher.registerDataset({
        input: withSchema('references', {
          type: 'object',
          $defs: { code: { type: 'string' } },
          definitions: { other: { type: 'string' } },
          $anchor: 'root',
          $vocabulary: { 'https://example.org/vocab': true },
          properties: {
            a: { type: 'string', $ref: '#/$defs/code' },
            b: { type: 'string', $dynamicRef: '#root' },
            c: { type: 'string', allOf: [{ $ref: 'https://example.org/remote.json' }] },
            d: { type: 'string', $id: 'https://example.org/d', $dynamicAnchor: 'd' },
            e: { type: 'string', enum: ['plain', '$ref'] },
          },
        }),
      });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(pathsOf(result)).toEqual(
      expect.arrayContaining([
        'input.recordSchema.$defs',
        'input.recordSchema.definitions',
        'input.recordSchema.$anchor',
        'input.recordSchema.$vocabulary',
        'input.recordSchema.properties.a.$ref',
        'input.recordSchema.properties.b.$dynamicRef',
        'input.recordSchema.properties.c.allOf.0.$ref',
        'input.recordSchema.properties.d.$id',
        'input.recordSchema.properties.d.$dynamicAnchor',
      ]),
    );
    expect(pathsOf(result).some((p) => p.startsWith('input.recordSchema.properties.e'))).toBe(false);
    expect(messagesOf(result).join(' ')).toMatch(/self-contained/);
    expect(await count()).toBe(before);
  });

  it('refuses any other $schema as bad input, never as a server error', async () => {
    for (const $schema of ['https://json-schema.org/draft-07/schema#', 42, 'https://example.org/evil']) {
      const result = await publisher.registerDataset({ input: withSchema('other-meta', { $schema, type: 'object', properties: { a: { type: 'string' } } }) });
      expect(codeOf(result), JSON.stringify(result.errors)).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.extensions?.details).toContainEqual({ path: 'input.recordSchema.$schema', message: `must be ${DRAFT}: record schemas are JSON Schema 2020-12` });
    }
    expect(await story.gw.catalogue.datasets.countDocuments({ _id: 'tai-chinh.other-meta' })).toBe(0);
  });
});

describe('names that collide with the filter language or GraphQL', () => {
  it('refuses fields named and, or, not, true, false, null or starting with __, each with its path', async () => {
    const before = await count();
    const names = ['and', 'or', 'not', 'true', 'false', 'null', '__x'];
    const properties = Object.fromEntries([['marketCode', { type: 'string' }], ...names.map((n) => [n, { type: 'string' }])]);
    const result = await publisher.registerDataset({ input: withSchema('reserved', { type: 'object', properties }) });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(pathsOf(result)).toEqual(expect.arrayContaining(names.map((n) => `input.recordSchema.properties.${n}`)));
    expect(messagesOf(result).join(' ')).toMatch(/filter language/);
    expect(messagesOf(result).join(' ')).toMatch(/enum value/);
    expect(messagesOf(result).join(' ')).toMatch(/reserved by GraphQL/);
    expect(await count()).toBe(before);
  });

  it('refuses link names that are reserved or repeat a name of the record type', async () => {
    const before = await count();
    const link = (as: string) => ({ field: 'marketCode', dataset: 'cong-an.residents', targetField: 'code', as });
    const result = await publisher.registerDataset({ input: datasetInput({ slug: 'bad-links', links: [link('and'), link('null'), link('__typename'), link('name'), link('place'), link('place')] }) });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(pathsOf(result)).toEqual(expect.arrayContaining(['input.links.0.as', 'input.links.1.as', 'input.links.2.as', 'input.links.3.as', 'input.links.5.as']));
    expect(pathsOf(result)).not.toContain('input.links.4.as');
    expect(await count()).toBe(before);
  });

  it('refuses a reserved name brought in by an update, and keeps the stored dataset', async () => {
    const id = 'tai-chinh.after-names';
    expect((await publisher.registerDataset({ input: datasetInput({ slug: 'after-names' }) })).errors).toBeUndefined();
    const stored = await story.gw.catalogue.datasets.findOne({ _id: id });
    const result = await publisher.updateDataset({ id, input: { recordSchema: { type: 'object', properties: { marketCode: { type: 'string' }, or: { type: 'string' } } } } });
    expect(pathsOf(result)).toEqual(['input.recordSchema.properties.or']);
    const links = await publisher.updateDataset({ id, input: { links: [{ field: 'marketCode', dataset: 'cong-an.residents', targetField: 'code', as: 'not' }] } });
    expect(pathsOf(links)).toEqual(['input.links.0.as']);
    expect(await story.gw.catalogue.datasets.findOne({ _id: id })).toEqual(stored);
  });
});

type Names = { __type: { fields: { name: string }[] } | null };
const dataFields = async (who: Actor) => ((await who.gql<Names>('{ __type(name: "DataQuery") { fields { name } } }')).data?.__type?.fields ?? []).map((f) => f.name);
const healthOf = async (id: string) => (await admin.dataset({ id })).data?.dataset?.health;

/** A catalogue entry written around the API, as data that predates a rule would be. */
async function insertPublishedDirectly(department: string, input: DatasetInput): Promise<void> {
  const doc = buildDatasetDocument(input, department, 'legacy-import', new Date());
  await story.gw.catalogue.datasets.insertOne({ ...doc, status: 'PUBLISHED', publishedAt: new Date() });
  // Other replicas see a change through the catalogue's change counter; so does this one, at once.
  await story.gw.db.collection<{ _id: string; changes: number }>('catalogue_meta').updateOne({ _id: 'catalogue' }, { $inc: { changes: 1 } }, { upsert: true });
  await story.gw.catalogue.searchIndex.refreshIfStale(true);
}

describe('a dataset that cannot have a typed part is left out, and nothing else breaks', () => {
  const residents = (slug: string, department?: string) => ({
    slug,
    ...(department ? { department } : {}),
    title: `Dân cư thử nghiệm ${slug}`,
    description: 'Thử nghiệm tên sinh ra trùng nhau.',
    classification: 'PUBLIC',
    recordSchema: RESIDENTS_SCHEMA,
    connector: { type: 'csv', options: { file: 'residents.csv', credentials: 'si-files' } },
  });
  const LEFT_OUT = ['access.request', 'cong-an.legacy', 'cong-an.residents-edge', 'cong.an-residents'];

  beforeAll(async () => {
    // Each registration is legitimate on its own; together their generated names collide.
    await story.gw.publishDataset(police.token, residents('residents'));
    await story.gw.publishDataset(police.token, residents('residents-edge')); // CongAnResidentsEdge: the edge type of cong-an.residents
    await story.gw.publishDataset(admin.token, residents('an-residents', 'cong')); // data.cong_an_residents again
    await story.gw.publishDataset(admin.token, residents('request', 'access')); // AccessRequest: a type of the gateway's own schema
    await story.gw.publishDataset(publisher.token, { ...datasetInput({ slug: 'markets' }), classification: 'PUBLIC' });
    // A field named `and` from before the rule.
    await insertPublishedDirectly('cong-an', {
      slug: 'legacy',
      title: 'Dữ liệu cũ',
      description: 'Nhập thẳng vào danh mục trước khi có quy tắc đặt tên.',
      classification: 'PUBLIC',
      recordSchema: { type: 'object', properties: { code: { type: 'string' }, and: { type: 'string' }, name: { type: 'string' } } },
      connector: { type: 'csv', options: { file: 'legacy.csv', credentials: 'si-files' } },
      links: [],
    });
  });

  it('keeps every other query working', async () => {
    const me = await police.gql<{ me: { id: string } }>('{ me { id } }');
    expect(me.status).toBe(200);
    expect(me.errors).toBeUndefined();
    expect(me.data?.me.id).toBe(policePersona.id);

    const data = await police.gql<{ data: { cong_an_residents: { edges: { node: { code: string; name: string } }[] } } }>('{ data { cong_an_residents(first: 2, orderBy: [{ field: code }]) { edges { node { code name } } } } }');
    expect(data.errors, JSON.stringify(data.errors)).toBeUndefined();
    expect(data.data?.data.cong_an_residents.edges.map((e) => e.node.code)).toEqual(['R1', 'R2']);

    const fields = await dataFields(police);
    expect(fields).toEqual(expect.arrayContaining(['cong_an_residents', 'tai_chinh_markets']));
    expect(fields.filter((f) => ['cong_an_residents_edge', 'cong_an_legacy', 'access_request'].includes(f))).toEqual([]);
    // data.cong_an_residents is the first claimant's, cong-an.residents, not cong.an-residents.
    const types = await police.gql<{ __type: { description: string } | null }>('{ __type(name: "CongAnResidents") { description } }');
    expect(types.data?.__type?.description).toContain('cong-an.residents');
  });

  it('still serves the left-out datasets through records', async () => {
    for (const id of ['cong-an.residents-edge', 'cong.an-residents', 'access.request', 'cong-an.legacy']) {
      const result = await admin.gql<{ records: { edges: { node: Record<string, unknown> }[] } }>('query($id: ID!) { records(dataset: $id, first: 5) { edges { node } } }', { id });
      expect(result.errors, `${id}: ${JSON.stringify(result.errors)}`).toBeUndefined();
      expect(result.data?.records.edges.length).toBeGreaterThan(0);
    }
  });

  it('says in each left-out dataset’s health why, and in the live schema’s status', async () => {
    await police.gql('{ me { id } }');
    for (const id of LEFT_OUT) {
      const health = await healthOf(id);
      expect(health?.ok, id).toBe(false);
      expect(health?.issues.some((i) => i.startsWith('left out of the typed data schema: ')), `${id}: ${JSON.stringify(health)}`).toBe(true);
    }
    expect((await healthOf('cong-an.residents-edge'))?.issues.join(' ')).toMatch(/CongAnResidentsEdge is already generated for cong-an\.residents/);
    expect((await healthOf('cong.an-residents'))?.issues.join(' ')).toMatch(/(CongAnResidents|data\.cong_an_residents) is already generated for cong-an\.residents$/);
    expect((await healthOf('access.request'))?.issues.join(' ')).toMatch(/AccessRequest belongs to the gateway's own schema/);
    expect((await healthOf('cong-an.legacy'))?.issues.join(' ')).toMatch(/"and" is reserved/);
    expect((await healthOf('cong-an.residents'))?.issues ?? []).toEqual([]);

    const status = story.gw.schema.status();
    expect(status.ok).toBe(false);
    expect(status.leftOut.map((l) => l.id)).toEqual(LEFT_OUT);
    expect(status.leftOut.every((l) => l.reason.length > 0)).toBe(true);
    // Readiness says the API is degraded, not down, and names no dataset to whoever asks.
    const ready = await fetch(`${story.gw.base}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; reason: string };
    expect(body.status).toBe('degraded');
    expect(body.reason).toContain(`${LEFT_OUT.length} published dataset(s)`);
    for (const id of LEFT_OUT) expect(JSON.stringify(body)).not.toContain(id);
  });

  it('lets a second gateway start on the same database and serve it', async () => {
    const second = await startTestGateway({ env, dbName: story.gw.db.databaseName });
    try {
      const result = await second.as(policePersona).gql<{ me: { id: string }; data: { cong_an_residents: { edges: unknown[] } } }>('{ me { id } data { cong_an_residents(first: 1) { edges { cursor } } } }');
      expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
      expect(result.data?.data.cong_an_residents.edges).toHaveLength(1);
    } finally {
      await second.detach();
    }
  });

  it('lets a second gateway start even when a published entry cannot be read at all', async () => {
    await story.gw.catalogue.datasets.updateOne({ _id: 'cong-an.legacy' }, { $set: { recordSchemaJson: '{ not json' } });
    const second = await startTestGateway({ env, dbName: story.gw.db.databaseName });
    try {
      const result = await second.as(policePersona).gql<{ data: { cong_an_residents: { edges: unknown[] } } }>('{ data { cong_an_residents(first: 1) { edges { cursor } } } }');
      expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
      const live = new LiveSchema(second.catalogue, second.config.limits.dataSchemaMaxDatasets, createLogger('silent'));
      await live.current();
      expect(live.status().leftOut.find((l) => l.id === 'cong-an.legacy')?.reason).toMatch(/cannot be read/);
    } finally {
      await second.detach();
      await story.gw.catalogue.datasets.deleteOne({ _id: 'cong-an.legacy' });
    }
  });

  it('takes a left-out dataset back once its names are free, and clears its health', async () => {
    const deprecated = await police.gql('mutation { deprecateDataset(id: "cong-an.residents", reason: "Thay thế") { id } }');
    expect(deprecated.errors).toBeUndefined();
    const result = await police.gql<{ data: { cong_an_residents_edge: { edges: { node: { code: string } }[] } } }>('{ data { cong_an_residents_edge(first: 1) { edges { node { code } } } } }');
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    expect(result.data?.data.cong_an_residents_edge.edges).toHaveLength(1);
    expect((await healthOf('cong-an.residents-edge'))?.issues.some((i) => i.startsWith('left out'))).toBe(false);
  });
});
