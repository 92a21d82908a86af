import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetInput, REGISTER } from './fixtures.js';
import { codeOf, startTestGateway, type TestGateway } from './kit.js';

let gw: TestGateway;
let publisher: string;
beforeAll(async () => {
  gw = await startTestGateway();
  publisher = gw.token('lan.tran', 'tai-chinh', ['publisher']);
});
afterAll(async () => gw?.close());

const count = () => gw.catalogue.datasets.countDocuments();

describe('registering datasets', () => {
  it('registers a draft for the publisher’s department with fields read from the record schema', async () => {
    const result = await gw.gql<{ registerDataset: Record<string, unknown> }>(REGISTER, { input: datasetInput() }, publisher);
    expect(result.errors).toBeUndefined();
    expect(result.data?.registerDataset).toMatchObject({
      id: 'tai-chinh.markets',
      status: 'DRAFT',
      department: { code: 'tai-chinh' },
      fields: [
        { name: 'marketCode', type: 'string', pii: false, nullable: false },
        { name: 'name', type: 'string', pii: false, nullable: false },
        { name: 'stalls', type: 'integer', pii: false, nullable: false },
        { name: 'managerId', type: 'string', pii: true, nullable: true },
      ],
    });
  });

  it('refuses a broken record schema with the path of every fault and writes nothing', async () => {
    const before = await count();
    const input = datasetInput({
      slug: 'broken',
      recordSchema: {
        type: 'object',
        properties: {
          age: { type: 'strin' },
          tags: { type: 'array', items: { type: 'string' } },
          born: { type: 'integer', format: 'date' },
        },
      },
    });
    const result = await gw.gql(REGISTER, { input }, publisher);
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    const paths = result.errors?.[0]?.extensions?.details?.map((d) => d.path) ?? [];
    expect(paths).toEqual(expect.arrayContaining(['input.recordSchema.properties.age.type', 'input.recordSchema.properties.tags.type']));
    expect(await count()).toBe(before);
  });

  it('reports the path of a format on a non-string field', async () => {
    const input = datasetInput({ slug: 'dates', recordSchema: { type: 'object', properties: { born: { type: 'integer', format: 'date' } } } });
    const result = await gw.gql(REGISTER, { input }, publisher);
    expect(result.errors?.[0]?.extensions?.details).toEqual([{ path: 'input.recordSchema.properties.born.format', message: 'format date applies to strings only' }]);
  });

  it('refuses invalid JSON Schema (not just unservable types)', async () => {
    const input = datasetInput({ slug: 'invalid', recordSchema: { type: 'object', properties: { a: { type: 'string', minLength: -1 } } } });
    const result = await gw.gql(REGISTER, { input }, publisher);
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.extensions?.details?.[0]?.path).toBe('input.recordSchema.properties.a.minLength');
  });

  it('refuses a required field that is no property, even one every object inherits', async () => {
    const input = datasetInput({ slug: 'inherited', recordSchema: { type: 'object', required: ['toString'], properties: { a: { type: 'string' } } } });
    const result = await gw.gql(REGISTER, { input }, publisher);
    expect(result.errors?.[0]?.extensions?.details).toEqual([{ path: 'input.recordSchema.required', message: 'required field "toString" is not among the properties' }]);
  });

  it('lists every metadata fault at once: slug, classification, links, connector type', async () => {
    const input = datasetInput({
      slug: 'Bad Slug!',
      title: '   ',
      connector: { type: 'ftp', options: {} },
      links: [{ field: 'nope', dataset: 'cong-an.residents', targetField: 'citizenId', as: 'person' }],
    });
    const result = await gw.gql(REGISTER, { input }, publisher);
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    const paths = result.errors?.[0]?.extensions?.details?.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['input.slug', 'input.title']));
    const second = await gw.gql(REGISTER, { input: { ...input, slug: 'ok-slug', title: 'Tiêu đề' } }, publisher);
    expect(second.errors?.[0]?.extensions?.details?.map((d) => d.path)).toEqual(expect.arrayContaining(['input.links.0.field', 'input.connector.type']));
  });

  it('refuses a duplicate id with CONFLICT', async () => {
    const input = datasetInput({ slug: 'dup' });
    expect((await gw.gql(REGISTER, { input }, publisher)).errors).toBeUndefined();
    expect(codeOf(await gw.gql(REGISTER, { input }, publisher))).toBe('CONFLICT');
  });

  it('lets exactly one of many concurrent registrations of one id succeed', async () => {
    const input = datasetInput({ slug: 'race' });
    const results = await Promise.all(Array.from({ length: 12 }, () => gw.gql(REGISTER, { input }, publisher)));
    expect(results.filter((r) => !r.errors).length).toBe(1);
    expect(results.filter((r) => codeOf(r) === 'CONFLICT').length).toBe(11);
    expect(await gw.catalogue.datasets.countDocuments({ _id: 'tai-chinh.race' })).toBe(1);
  });

  it('refuses analysts and publishers acting for another department', async () => {
    const analyst = gw.token('binh', 'tai-chinh', ['analyst']);
    expect(codeOf(await gw.gql(REGISTER, { input: datasetInput({ slug: 'by-analyst' }) }, analyst))).toBe('FORBIDDEN');
    expect(codeOf(await gw.gql(REGISTER, { input: datasetInput({ slug: 'other', department: 'y-te' }) }, publisher))).toBe('FORBIDDEN');
    const admin = gw.token('root', 'platform', ['admin']);
    const byAdmin = await gw.gql<{ registerDataset: { id: string } }>(REGISTER, { input: datasetInput({ slug: 'for-health', department: 'y-te' }) }, admin);
    expect(byAdmin.data?.registerDataset.id).toBe('y-te.for-health');
    expect(codeOf(await gw.gql(REGISTER, { input: datasetInput({ slug: 'x', department: 'no-such-dept' }) }, admin))).toBe('BAD_USER_INPUT');
  });
});

describe('updating, publishing and deprecating', () => {
  const UPDATE = 'mutation($id: ID!, $input: DatasetPatch!) { updateDataset(id: $id, input: $input) { id title version fields { name } } }';
  const PUBLISH = 'mutation($id: ID!) { publishDataset(id: $id) { id status } }';
  const DEPRECATE = 'mutation($id: ID!, $reason: String!) { deprecateDataset(id: $id, reason: $reason) { id status deprecationReason } }';

  it('walks a dataset through its life and refuses transitions out of order', async () => {
    await gw.gql(REGISTER, { input: datasetInput({ slug: 'life' }) }, publisher);
    const id = 'tai-chinh.life';
    const updated = await gw.gql<{ updateDataset: { title: string; version: number } }>(UPDATE, { id, input: { title: 'Chợ đầu mối' } }, publisher);
    expect(updated.data?.updateDataset).toMatchObject({ title: 'Chợ đầu mối', version: 2 });
    expect(codeOf(await gw.gql(DEPRECATE, { id, reason: 'cũ' }, publisher))).toBe('CONFLICT');
    expect((await gw.gql<{ publishDataset: { status: string } }>(PUBLISH, { id }, publisher)).data?.publishDataset.status).toBe('PUBLISHED');
    expect(codeOf(await gw.gql(PUBLISH, { id }, publisher))).toBe('CONFLICT');
    const deprecated = await gw.gql<{ deprecateDataset: unknown }>(DEPRECATE, { id, reason: 'Thay bằng bộ dữ liệu mới' }, publisher);
    expect(deprecated.data?.deprecateDataset).toEqual({ id, status: 'DEPRECATED', deprecationReason: 'Thay bằng bộ dữ liệu mới' });
  });

  it('refuses an invalid patch with paths and keeps the stored dataset', async () => {
    await gw.gql(REGISTER, { input: datasetInput({ slug: 'patchy' }) }, publisher);
    const id = 'tai-chinh.patchy';
    const result = await gw.gql(UPDATE, { id, input: { recordSchema: { type: 'object', properties: { x: { type: 'object' } } } } }, publisher);
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.extensions?.details?.[0]?.path).toMatch(/^input\.recordSchema\.properties\.x\.type/);
    const stored = await gw.catalogue.getUnchecked(id);
    expect(stored?.fields.map((f) => f.name)).toEqual(['marketCode', 'name', 'stalls', 'managerId']);
    expect(stored?.version).toBe(1);
  });

  it('refuses changes by publishers of other departments and unknown ids', async () => {
    await gw.gql(REGISTER, { input: datasetInput({ slug: 'guarded' }) }, publisher);
    const health = gw.token('hoa', 'y-te', ['publisher']);
    expect(codeOf(await gw.gql(UPDATE, { id: 'tai-chinh.guarded', input: { title: 'x' } }, health))).toBe('NOT_FOUND');
    await gw.gql(PUBLISH, { id: 'tai-chinh.guarded' }, publisher);
    expect(codeOf(await gw.gql(UPDATE, { id: 'tai-chinh.guarded', input: { title: 'x' } }, health))).toBe('FORBIDDEN');
    expect(codeOf(await gw.gql(PUBLISH, { id: 'tai-chinh.nothing' }, publisher))).toBe('NOT_FOUND');
  });
});

describe('draft visibility', () => {
  it('shows a draft only to its department and to admins', async () => {
    await gw.gql(REGISTER, { input: datasetInput({ slug: 'secret-draft', title: 'Bản nháp bí mật' }) }, publisher);
    const Q = '{ dataset(id: "tai-chinh.secret-draft") { id } datasets(search: "ban nhap bi mat") { totalCount } }';
    const own = await gw.gql<{ dataset: unknown; datasets: { totalCount: number } }>(Q, undefined, gw.token('a', 'tai-chinh', ['analyst']));
    expect(own.data).toEqual({ dataset: { id: 'tai-chinh.secret-draft' }, datasets: { totalCount: 1 } });
    const other = await gw.gql<{ dataset: unknown; datasets: { totalCount: number } }>(Q, undefined, gw.token('b', 'y-te', ['analyst', 'publisher']));
    expect(other.data).toEqual({ dataset: null, datasets: { totalCount: 0 } });
    const admin = await gw.gql<{ dataset: unknown; datasets: { totalCount: number } }>(Q, undefined, gw.token('c', 'platform', ['admin']));
    expect(admin.data).toEqual({ dataset: { id: 'tai-chinh.secret-draft' }, datasets: { totalCount: 1 } });
  });
});
