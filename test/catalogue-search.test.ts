import { beforeAll, describe, expect, it } from 'vitest';
import type { DatasetInput } from '../server/catalogue/dataset.js';
import { datasetInput } from './fixtures.js';
import { codeOf, dataOf, startTestGateway } from './kit.js';
import { type VariablesOf } from './kit/operations.js';
import { admin, analystOfTaiChinh, publisherOfYTe } from './kit/personas.js';
import { withGateway } from './kit/stories.js';

const story = withGateway({ sampleCatalogue: true });
const analyst = story.as(analystOfTaiChinh);
const search = async (variables: VariablesOf<'searchDatasets'>) => dataOf(await analyst.searchDatasets(variables)).datasets;
const ids = async (text: string) => (await search({ search: text, first: 100 })).edges.map((e) => e.node.id);

beforeAll(async () => {
  // 40 more published datasets spread over departments and themes, for paging and facets.
  const { gw } = story;
  const departments = ['y-te', 'giao-duc-dao-tao', 'khoa-hoc-cong-nghe', 'tai-chinh'];
  for (let i = 0; i < 40; i++) {
    const department = departments[i % departments.length]!;
    const slug = `bulk-${String(i).padStart(2, '0')}`;
    const input = datasetInput({ slug, department, title: `Thống kê số ${i}`, themes: [i % 3 === 0 ? 'thong-ke' : 'kinh-te'], classification: i % 2 ? 'PUBLIC' : 'INTERNAL' });
    await gw.catalogue.register(admin, input as unknown as DatasetInput);
    await gw.catalogue.publish(admin, `${department}.${slug}`);
  }
});

describe('catalogue search', () => {
  it('folds Vietnamese diacritics and case', async () => {
    expect(await ids('dan cu')).toContain('cong-an.residents');
    expect(await ids('DÂN CƯ')).toContain('cong-an.residents');
    expect(await ids('đất')).toContain('nong-nghiep-moi-truong.land-parcels');
    expect(await ids('dat dai')).toEqual(await ids('Đất Đai'));
    expect(await ids('dat dai')).toContain('nong-nghiep-moi-truong.land-parcels');
  });

  it('matches keywords and field names', async () => {
    expect(await ids('căn cước')).toEqual(['cong-an.residents']);
    expect(await ids('legalRepresentativeId')).toEqual(['tai-chinh.business-registrations']);
    expect(await ids('charter capital')).toEqual(['tai-chinh.business-registrations']);
  });

  it('ranks title hits before description-only hits', async () => {
    const found = await ids('doanh nghiệp');
    expect(found[0]).toBe('tai-chinh.business-registrations');
    expect(found).toContain('khoa-hoc-cong-nghe.science-organizations');
  });

  it('does not find words that are not there', async () => {
    expect(await ids('tàu vũ trụ')).toEqual([]);
  });

  it('pages with no duplicates and no gaps, with and without a search', async () => {
    for (const variables of [{}, { search: 'chợ' }, { search: 'thống kê', filter: { classifications: ['PUBLIC'] } }]) {
      const whole = await search({ ...variables, first: 1000 });
      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const page = await search({ ...variables, first: 7, after });
        seen.push(...page.edges.map((e) => e.node.id));
        expect(page.totalCount).toBe(whole.totalCount);
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
        pages++;
      } while (after && pages < 100);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(whole.edges.map((e) => e.node.id));
      expect(seen.length).toBe(whole.totalCount);
    }
  });

  it('counts facets that agree with filtering by each value', async () => {
    const all = await search({ first: 0 });
    expect(all.totalCount).toBe(47);
    for (const { value, count } of all.facets.departments) {
      expect((await search({ filter: { departments: [value] }, first: 0 })).totalCount).toBe(count);
    }
    for (const { value, count } of all.facets.classifications) {
      expect((await search({ filter: { classifications: [value] }, first: 0 })).totalCount).toBe(count);
    }
    expect(all.facets.statuses).toEqual([{ value: 'PUBLISHED', count: 47 }]);
    const themeSum = all.facets.themes.find((t) => t.value === 'thong-ke');
    expect(themeSum?.count).toBe(14);
  });

  it('ANDs filter lists and ORs values within one', async () => {
    const either = await search({ filter: { departments: ['y-te', 'giao-duc-dao-tao'] }, first: 0 });
    const health = await search({ filter: { departments: ['y-te'] }, first: 0 });
    const schools = await search({ filter: { departments: ['giao-duc-dao-tao'] }, first: 0 });
    expect(either.totalCount).toBe(health.totalCount + schools.totalCount);
    const both = await search({ filter: { departments: ['y-te'], classifications: ['PUBLIC'] }, first: 100 });
    // Not empty: every() of no edges would hold whatever the filters did.
    expect(both.totalCount).toBeGreaterThan(0);
    expect(both.edges).toHaveLength(both.totalCount);
    expect(both.edges.every((e) => e.node.id.startsWith('y-te.'))).toBe(true);
    expect(both.totalCount).toBeLessThan(health.totalCount);
    expect((await search({ filter: { keywords: ['Căn cước'] }, first: 10 })).edges.map((e) => e.node.id)).toEqual(['cong-an.residents']);
  });

  it('refuses an invalid cursor and a page larger than 1000', async () => {
    expect(codeOf(await analyst.searchDatasets({ after: 'garbage!' }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await analyst.searchDatasets({ first: 1001 }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await analyst.searchDatasets({ first: -1 }))).toBe('BAD_USER_INPUT');
  });

  it('shows a dataset’s new title right after it changes, though its page was served before', async () => {
    const page = async () => (await search({ search: 'thong ke so 7', first: 5 })).edges.map((e) => e.node.title);
    expect(await page()).toContain('Thống kê số 7');
    await story.gw.catalogue.update(admin, 'tai-chinh.bulk-07', { title: 'Thống kê số 7 (bản sửa đổi)' });
    expect(await page()).toContain('Thống kê số 7 (bản sửa đổi)');
    await story.gw.catalogue.update(admin, 'tai-chinh.bulk-07', { title: 'Thống kê số 7' });
  });

  it('lists the departments', async () => {
    expect(dataOf(await analyst.departments()).departments.map((d) => d.code)).toEqual(
      expect.arrayContaining(['cong-an', 'tai-chinh', 'nong-nghiep-moi-truong', 'y-te', 'giao-duc-dao-tao', 'khoa-hoc-cong-nghe']),
    );
  });

  it('shows a dataset registered through another gateway replica within a second', async () => {
    const other = await startTestGateway({ dbName: story.gw.db.databaseName });
    try {
      await other.publishDataset(other.as(publisherOfYTe).token, datasetInput({ slug: 'replica-made', title: 'Nhà thuốc đạt chuẩn' }));
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await ids('nha thuoc')).toEqual(['y-te.replica-made']);
    } finally {
      await other.detach();
    }
  });
});
