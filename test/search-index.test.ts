import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { buildDatasetDocument } from '../server/catalogue/catalogue-service.js';
import type { DatasetInput, DatasetStatus } from '../server/catalogue/dataset.js';
import type { RecordSchema } from '../server/catalogue/record-schema.js';
import { CatalogueSearchIndex, type IndexedDataset, type IndexQuery } from '../server/catalogue/search-index.js';
import { identifierTokens, tokenize } from '../server/catalogue/text-folding.js';

/**
 * Unit specs of catalogue search without a server: Vietnamese folding, the in-process index's
 * matching, ranking, facets and the result order paging relies on. Entries are made as the
 * catalogue stores them (buildDatasetDocument), so their search tokens are the real ones.
 */
const schema = (properties: RecordSchema['properties']): RecordSchema => ({ type: 'object', properties });
type Entry = Partial<DatasetInput> & { department: string; slug: string; title: string; status?: DatasetStatus; at?: number };

function entry({ department, slug, title, status = 'PUBLISHED', at = 1, ...rest }: Entry) {
  const input: DatasetInput = {
    slug,
    title,
    description: 'Bộ dữ liệu.',
    classification: 'PUBLIC',
    recordSchema: schema({ code: { type: 'string' } }),
    connector: { type: 'csv', options: { file: 'x.csv', credentials: 'files' } },
    ...rest,
  };
  return { ...buildDatasetDocument(input, department, 'pub', new Date(at)), status };
}

/** An index that is never refreshed from MongoDB: its collection is never asked. */
function indexOf(...entries: ReturnType<typeof entry>[]) {
  const collection = new MongoClient('mongodb://127.0.0.1:9').db('unused').collection<IndexedDataset>('datasets');
  const index = new CatalogueSearchIndex(collection, async () => 0);
  for (const e of entries) index.apply(e);
  return index;
}
const everyone: IndexQuery['visible'] = () => true;
const search = (index: CatalogueSearchIndex, text: string, more: Partial<IndexQuery> = {}) => index.query({ words: tokenize(text), visible: everyone, ...more });
const ids = (index: CatalogueSearchIndex, text: string, more: Partial<IndexQuery> = {}) => search(index, text, more).hits.map((h) => h.id);

const residents = entry({
  department: 'cong-an',
  slug: 'residents',
  title: 'Dân cư thường trú',
  description: 'Cư dân theo căn cước công dân.',
  keywords: ['Căn cước', 'dân cư'],
  themes: ['dan-cu'],
  classification: 'RESTRICTED',
  recordSchema: schema({ citizenId: { type: 'string', title: 'Số định danh' }, legal_representative: { type: 'string' } }),
});
const land = entry({ department: 'nong-nghiep-moi-truong', slug: 'land-parcels', title: 'Thửa đất', description: 'Đất đai theo thửa.', themes: ['dat-dai', 'dan-cu'], classification: 'INTERNAL' });
const businesses = entry({ department: 'tai-chinh', slug: 'businesses', title: 'Doanh nghiệp đăng ký', description: 'Đăng ký kinh doanh của doanh nghiệp.', themes: ['kinh-te'] });
const science = entry({ department: 'khoa-hoc-cong-nghe', slug: 'science-orgs', title: 'Tổ chức khoa học', description: 'Tổ chức khoa học và doanh nghiệp khoa học công nghệ.', themes: ['kinh-te'] });
const draft = entry({ department: 'tai-chinh', slug: 'budget-draft', title: 'Ngân sách dự thảo', status: 'DRAFT', themes: ['kinh-te'] });

describe('Vietnamese folding', () => {
  it('drops tones and marks, folds đ to d and case, and splits on anything but letters and digits', () => {
    expect(tokenize('Dân cư')).toEqual(['dan', 'cu']);
    expect(tokenize('ĐẤT ĐAI, đất-đai')).toEqual(['dat', 'dai']);
    expect(tokenize('Sở Y tế / Bệnh viện 115')).toEqual(['so', 'y', 'te', 'benh', 'vien', '115']);
    expect(tokenize('   ')).toEqual([]);
  });

  it('folds text in either Unicode form alike', () => {
    expect(tokenize('Thửa đất'.normalize('NFC'))).toEqual(tokenize('Thửa đất'.normalize('NFD')));
  });

  it('splits identifiers into their parts and keeps the whole', () => {
    expect(tokenize('legalRepresentativeId')).toEqual(['legal', 'representative', 'id']);
    expect(identifierTokens('citizenId')).toEqual(['citizen', 'id', 'citizenid']);
    expect(identifierTokens('legal_representative')).toEqual(['legal', 'representative', 'legalrepresentative']);
  });
});

describe('matching', () => {
  const index = indexOf(residents, land, businesses, science, draft);

  it('finds a dataset by folded words of its title, description, keywords, field names and field titles', () => {
    expect(ids(index, 'DÂN CƯ')).toEqual(['cong-an.residents']);
    expect(ids(index, 'dan cu')).toEqual(ids(index, 'Dân Cư'));
    expect(ids(index, 'dat dai')).toEqual(['nong-nghiep-moi-truong.land-parcels']);
    expect(ids(index, 'can cuoc')).toEqual(['cong-an.residents']);
    expect(ids(index, 'citizenId')).toEqual(['cong-an.residents']);
    expect(ids(index, 'citizen')).toEqual(['cong-an.residents']);
    expect(ids(index, 'so dinh danh')).toEqual(['cong-an.residents']);
    expect(ids(index, 'legal representative')).toEqual(['cong-an.residents']);
  });

  it('needs every word, and finds nothing for words that are not there', () => {
    expect(ids(index, 'doanh nghiep khoa hoc')).toEqual(['khoa-hoc-cong-nghe.science-orgs']);
    expect(ids(index, 'tàu vũ trụ')).toEqual([]);
    expect(ids(index, 'dan vũ trụ')).toEqual([]);
  });

  it('shows only what the caller may see', () => {
    expect(ids(index, 'ngan sach')).toEqual(['tai-chinh.budget-draft']);
    expect(ids(index, 'ngan sach', { visible: (d) => d.status !== 'DRAFT' })).toEqual([]);
  });
});

describe('ranking and order', () => {
  const index = indexOf(science, businesses, residents, land, draft);

  it('ranks datasets with more query words in the title first, then by id', () => {
    expect(search(index, 'doanh nghiệp').hits).toEqual([
      { id: 'tai-chinh.businesses', rank: 2 },
      { id: 'khoa-hoc-cong-nghe.science-orgs', rank: 0 },
    ]);
    // Equal ranks stand in id order, whatever order they were indexed in.
    expect(ids(index, 'kinh doanh')).toEqual(['tai-chinh.businesses']);
    expect(search(index, 'dan cu').hits[0]).toEqual({ id: 'cong-an.residents', rank: 2 });
  });

  it('lists everything in id order without a search, so (rank, id) pages have no gaps or duplicates', () => {
    const all = search(index, '').hits;
    expect(all.map((h) => h.id)).toEqual([...all.map((h) => h.id)].sort());
    expect(new Set(all.map((h) => h.id)).size).toBe(5);
    expect(all.every((h) => h.rank === 0)).toBe(true);
    // A page boundary is a position in a total order: the next page starts strictly after it.
    const ranked = search(index, 'khoa hoc doanh nghiep').hits;
    for (let i = 1; i < ranked.length; i++) {
      const [a, b] = [ranked[i - 1]!, ranked[i]!];
      expect(a.rank > b.rank || (a.rank === b.rank && a.id < b.id)).toBe(true);
    }
  });
});

describe('filters and facets', () => {
  const index = indexOf(residents, land, businesses, science, draft);

  it('ORs values within a filter and ANDs filters', () => {
    expect(ids(index, '', { departments: ['tai-chinh', 'cong-an'] })).toEqual(['cong-an.residents', 'tai-chinh.budget-draft', 'tai-chinh.businesses']);
    expect(ids(index, '', { departments: ['tai-chinh', 'cong-an'], statuses: ['PUBLISHED'] })).toEqual(['cong-an.residents', 'tai-chinh.businesses']);
    expect(ids(index, '', { themes: ['dan-cu'], classifications: ['INTERNAL'] })).toEqual(['nong-nghiep-moi-truong.land-parcels']);
    expect(ids(index, '', { keywords: [tokenize('CĂN CƯỚC').join(' ')] })).toEqual(['cong-an.residents']);
    expect(ids(index, '', { departments: [] })).toHaveLength(5);
  });

  it('counts facets over the matches after filters, every theme of a dataset counted', () => {
    const { facets } = search(index, '', { statuses: ['PUBLISHED'] });
    expect(Object.fromEntries(facets.departments)).toEqual({ 'cong-an': 1, 'nong-nghiep-moi-truong': 1, 'tai-chinh': 1, 'khoa-hoc-cong-nghe': 1 });
    expect(Object.fromEntries(facets.themes)).toEqual({ 'dan-cu': 2, 'dat-dai': 1, 'kinh-te': 2 });
    expect(Object.fromEntries(facets.classifications)).toEqual({ RESTRICTED: 1, INTERNAL: 1, PUBLIC: 2 });
    expect(Object.fromEntries(facets.statuses)).toEqual({ PUBLISHED: 4 });
    expect(Object.fromEntries(search(index, 'doanh nghiep').facets.departments)).toEqual({ 'tai-chinh': 1, 'khoa-hoc-cong-nghe': 1 });
  });
});

describe('changes', () => {
  it('answers from the new version at once, even for a query it answered before, and ignores an older one', () => {
    const index = indexOf(businesses);
    const key = 'same query';
    expect(index.query({ words: tokenize('doanh nghiep'), visible: everyone }, key).hits).toHaveLength(1);
    index.apply(entry({ department: 'tai-chinh', slug: 'businesses', title: 'Hộ kinh doanh', description: 'Hộ kinh doanh cá thể.', at: 2 }));
    expect(index.query({ words: tokenize('doanh nghiep'), visible: everyone }, key).hits).toEqual([]);
    expect(ids(index, 'ho kinh doanh')).toEqual(['tai-chinh.businesses']);
    // A refresh that brings the version before it back does not undo the change.
    index.apply(businesses);
    expect(ids(index, 'doanh nghiep')).toEqual([]);
    expect(index.size).toBe(1);
    expect(index.updatedAtOf('tai-chinh.businesses')).toBe(2);
  });
});
