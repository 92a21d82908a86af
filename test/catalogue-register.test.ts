import { describe, expect, it } from 'vitest';
import { datasetInput } from './fixtures.js';
import { codeOf, dataOf, pathsOf } from './kit.js';
import { admin, analystOfTaiChinh, like, publisherOfTaiChinh, publisherOfYTe, type Persona } from './kit/personas.js';
import { withGateway } from './kit/stories.js';

const story = withGateway();
const publisher = story.as(publisherOfTaiChinh);
const count = () => story.gw.catalogue.datasets.countDocuments();

describe('registering datasets', () => {
  it('registers a draft for the publisher’s department with fields read from the record schema', async () => {
    const result = await publisher.registerDataset({ input: datasetInput() });
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
    const result = await publisher.registerDataset({ input });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    const paths = pathsOf(result);
    expect(paths).toEqual(expect.arrayContaining(['input.recordSchema.properties.age.type', 'input.recordSchema.properties.tags.type']));
    expect(await count()).toBe(before);
  });

  it('reports the path of a format on a non-string field', async () => {
    const input = datasetInput({ slug: 'dates', recordSchema: { type: 'object', properties: { born: { type: 'integer', format: 'date' } } } });
    const result = await publisher.registerDataset({ input });
    expect(result.errors?.[0]?.extensions?.details).toEqual([{ path: 'input.recordSchema.properties.born.format', message: 'format date applies to strings only' }]);
  });

  it('refuses invalid JSON Schema (not just unservable types)', async () => {
    const input = datasetInput({ slug: 'invalid', recordSchema: { type: 'object', properties: { a: { type: 'string', minLength: -1 } } } });
    const result = await publisher.registerDataset({ input });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.extensions?.details?.[0]?.path).toBe('input.recordSchema.properties.a.minLength');
  });

  it('refuses a required field that is no property, even one every object inherits', async () => {
    const input = datasetInput({ slug: 'inherited', recordSchema: { type: 'object', required: ['toString'], properties: { a: { type: 'string' } } } });
    const result = await publisher.registerDataset({ input });
    expect(result.errors?.[0]?.extensions?.details).toEqual([{ path: 'input.recordSchema.required', message: 'required field "toString" is not among the properties' }]);
  });

  it('lists every metadata fault at once: slug, classification, links, connector type', async () => {
    const input = datasetInput({
      slug: 'Bad Slug!',
      title: '   ',
      connector: { type: 'ftp', options: {} },
      links: [{ field: 'nope', dataset: 'cong-an.residents', targetField: 'citizenId', as: 'person' }],
    });
    const result = await publisher.registerDataset({ input });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    const paths = pathsOf(result);
    expect(paths).toEqual(expect.arrayContaining(['input.slug', 'input.title']));
    const second = await publisher.registerDataset({ input: { ...input, slug: 'ok-slug', title: 'Tiêu đề' } });
    expect(pathsOf(second)).toEqual(expect.arrayContaining(['input.links.0.field', 'input.connector.type']));
  });

  it('refuses a duplicate id with CONFLICT', async () => {
    const input = datasetInput({ slug: 'dup' });
    expect((await publisher.registerDataset({ input })).errors).toBeUndefined();
    expect(codeOf(await publisher.registerDataset({ input }))).toBe('CONFLICT');
  });

  it('lets exactly one of many concurrent registrations of one id succeed', async () => {
    const input = datasetInput({ slug: 'race' });
    const results = await Promise.all(Array.from({ length: 12 }, () => publisher.registerDataset({ input })));
    expect(results.filter((r) => !r.errors).length).toBe(1);
    expect(results.filter((r) => codeOf(r) === 'CONFLICT').length).toBe(11);
    expect(await story.gw.catalogue.datasets.countDocuments({ _id: 'tai-chinh.race' })).toBe(1);
  });

  it('refuses analysts and publishers acting for another department', async () => {
    const analyst = story.as(like(analystOfTaiChinh, { id: 'binh' }));
    expect(codeOf(await analyst.registerDataset({ input: datasetInput({ slug: 'by-analyst' }) }))).toBe('FORBIDDEN');
    expect(codeOf(await publisher.registerDataset({ input: datasetInput({ slug: 'other', department: 'y-te' }) }))).toBe('FORBIDDEN');
    const platformAdmin = story.as(admin);
    const byAdmin = await platformAdmin.registerDataset({ input: datasetInput({ slug: 'for-health', department: 'y-te' }) });
    expect(byAdmin.data?.registerDataset.id).toBe('y-te.for-health');
    expect(codeOf(await platformAdmin.registerDataset({ input: datasetInput({ slug: 'x', department: 'no-such-dept' }) }))).toBe('BAD_USER_INPUT');
  });
});

describe('updating, publishing and deprecating', () => {
  it('walks a dataset through its life and refuses transitions out of order', async () => {
    await publisher.registerDataset({ input: datasetInput({ slug: 'life' }) });
    const id = 'tai-chinh.life';
    const updated = await publisher.updateDataset({ id, input: { title: 'Chợ đầu mối' } });
    expect(updated.data?.updateDataset).toMatchObject({ title: 'Chợ đầu mối', version: 2 });
    expect(codeOf(await publisher.deprecateDataset({ id, reason: 'cũ' }))).toBe('CONFLICT');
    expect((await publisher.publishDataset({ id })).data?.publishDataset.status).toBe('PUBLISHED');
    expect(codeOf(await publisher.publishDataset({ id }))).toBe('CONFLICT');
    const deprecated = await publisher.deprecateDataset({ id, reason: 'Thay bằng bộ dữ liệu mới' });
    expect(deprecated.data?.deprecateDataset).toEqual({ id, status: 'DEPRECATED', deprecationReason: 'Thay bằng bộ dữ liệu mới' });
  });

  it('refuses an invalid patch with paths and keeps the stored dataset', async () => {
    await publisher.registerDataset({ input: datasetInput({ slug: 'patchy' }) });
    const id = 'tai-chinh.patchy';
    const result = await publisher.updateDataset({ id, input: { recordSchema: { type: 'object', properties: { x: { type: 'object' } } } } });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.extensions?.details?.[0]?.path).toMatch(/^input\.recordSchema\.properties\.x\.type/);
    const stored = await story.gw.catalogue.getUnchecked(id);
    expect(stored?.fields.map((f) => f.name)).toEqual(['marketCode', 'name', 'stalls', 'managerId']);
    expect(stored?.version).toBe(1);
  });

  it('refuses changes by publishers of other departments and unknown ids', async () => {
    await publisher.registerDataset({ input: datasetInput({ slug: 'guarded' }) });
    const health = story.as(publisherOfYTe);
    expect(codeOf(await health.updateDataset({ id: 'tai-chinh.guarded', input: { title: 'x' } }))).toBe('NOT_FOUND');
    await publisher.publishDataset({ id: 'tai-chinh.guarded' });
    expect(codeOf(await health.updateDataset({ id: 'tai-chinh.guarded', input: { title: 'x' } }))).toBe('FORBIDDEN');
    expect(codeOf(await publisher.publishDataset({ id: 'tai-chinh.nothing' }))).toBe('NOT_FOUND');
  });
});

describe('draft visibility', () => {
  it('shows a draft only to its department and to admins', async () => {
    await publisher.registerDataset({ input: datasetInput({ slug: 'secret-draft', title: 'Bản nháp bí mật' }) });
    const sees = async (who: Persona) => {
      const reader = story.as(who);
      const one = await reader.dataset({ id: 'tai-chinh.secret-draft' });
      const found = await reader.searchDatasets({ search: 'ban nhap bi mat' });
      return { dataset: dataOf(one).dataset?.id ?? null, totalCount: dataOf(found).datasets.totalCount };
    };
    expect(await sees(like(analystOfTaiChinh, { id: 'a' }))).toEqual({ dataset: 'tai-chinh.secret-draft', totalCount: 1 });
    expect(await sees({ id: 'b', department: 'y-te', roles: ['analyst', 'publisher'] })).toEqual({ dataset: null, totalCount: 0 });
    expect(await sees(like(admin, { id: 'c' }))).toEqual({ dataset: 'tai-chinh.secret-draft', totalCount: 1 });
  });
});
