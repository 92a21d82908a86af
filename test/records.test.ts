import { beforeAll, describe, expect, it } from 'vitest';
import { fieldsOf, type RecordSchema } from '../server/catalogue/record-schema.js';
import { codeOf, dataOf, pathsOf, startTestGateway } from './kit.js';
import { analystOfTaiChinh, officerOfCongAn, publisherOfCongAn } from './kit/personas.js';
import { withPublishedSource } from './kit/stories.js';
import { PEOPLE_SCHEMA, peopleRows } from './sample-rows.js';

const fields = fieldsOf(PEOPLE_SCHEMA as unknown as RecordSchema);
const people = withPublishedSource(peopleRows(50), 'RESTRICTED', { title: 'Thử nghiệm people' });
const owner = people.as(officerOfCongAn);
const outsider = people.as(analystOfTaiChinh);
const publisher = people.as(publisherOfCongAn);

beforeAll(async () => {
  // The same table published again, open to everyone.
  await people.gw.publishDataset(publisher.token, people.inputOver({ slug: 'people-public', title: 'Thử nghiệm people-public', classification: 'PUBLIC' }));
});

describe('reading records', () => {
  it('lets the owner and PUBLIC readers in, and nobody else; myAccess says the same', async () => {
    const mine = dataOf(await owner.dataset({ id: 'cong-an.people' }));
    expect(mine.dataset!.myAccess).toMatchObject({ canRead: true, visibleFields: fields.map((f) => f.name) });
    const theirs = dataOf(await outsider.dataset({ id: 'cong-an.people' }));
    expect(theirs.dataset!.myAccess).toMatchObject({ canRead: false, hiddenFields: fields.map((f) => f.name) });
    expect(theirs.dataset!.myAccess.reason).toContain('RESTRICTED');

    expect(codeOf(await outsider.records({ dataset: 'cong-an.people' }))).toBe('FORBIDDEN');
    expect(dataOf(await outsider.records({ dataset: 'cong-an.people-public', first: 5 })).records.edges).toHaveLength(5);
    expect(codeOf(await owner.records({ dataset: 'cong-an.nothing' }))).toBe('NOT_FOUND');
  });

  it('refuses filters that name unknown fields, with paths', async () => {
    const result = await owner.records({ dataset: 'cong-an.people', where: { and: [{ nope: { eq: 1 } }, { district: { like: 'x' } }] } });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(pathsOf(result)).toEqual(['where.and.0.nope', 'where.and.1.district.like']);
  });

  it('gives SOURCE_UNAVAILABLE without leaking connection details when the source is down', async () => {
    const down = await startTestGateway({ env: { SOURCE_CREDENTIALS: JSON.stringify({ 'test-pg': { ...people.credentials['test-pg']!, url: 'postgres://postgres:s3cret@127.0.0.1:1/test' } }) }, dbName: people.gw.db.databaseName });
    try {
      const result = await down.as(officerOfCongAn).records({ dataset: 'cong-an.people', first: 3 });
      expect(codeOf(result)).toBe('SOURCE_UNAVAILABLE');
      expect(JSON.stringify(result.errors)).not.toMatch(/s3cret|127\.0\.0\.1|postgres:\/\//);
    } finally {
      await down.detach();
    }
  });

  it('reports schema drift when a dataset is published and on demand', async () => {
    const schema = { ...PEOPLE_SCHEMA, properties: { ...PEOPLE_SCHEMA.properties, birthYear: { type: 'string' }, religion: { type: 'string' } } };
    dataOf(await publisher.registerDataset({ input: people.inputOver({ slug: 'drifted', title: 'Lệch lược đồ', classification: 'PUBLIC', recordSchema: schema }) }));
    const published = dataOf(await publisher.publishDataset({ id: 'cong-an.drifted' }));
    expect(published.publishDataset.health).toEqual({
      ok: false,
      issues: ['field "birthYear" is string in the record schema but integer (integer) in the source', 'field "religion" is missing in the source'],
    });
    expect(dataOf(await publisher.checkDatasetHealth({ id: 'cong-an.people' })).checkDatasetHealth.ok).toBe(true);
    expect(codeOf(await outsider.checkDatasetHealth({ id: 'cong-an.people' }))).toBe('FORBIDDEN');
  });
});
