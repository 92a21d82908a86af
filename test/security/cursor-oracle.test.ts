import { beforeAll, describe, expect, it } from 'vitest';
import { codeOf, dataOf } from '../kit.js';
import { analystOfTaiChinh, like, officerOfCongAn, publisherOfTaiChinh, stewardOfCongAn } from '../kit/personas.js';
import { withPublishedSource } from '../kit/stories.js';
import { PEOPLE_SCHEMA, peopleRows } from '../sample-rows.js';

/**
 * Attack class 7: the cursor oracle. A grantee who sees citizen ids masked mints cursors on a
 * dataset of their own (whose keys they choose) and replays them, with first: 0, on the
 * residents, to binary-search a masked id from hasNextPage. Cursors only open for the read that
 * handed them out, and every read is counted and audited, first: 0 included.
 */
const PURPOSE = 'Đối chiếu người đại diện theo pháp luật';
const residents = withPublishedSource(peopleRows(60), 'RESTRICTED', {
  slug: 'residents',
  departments: ['cong-an', 'tai-chinh'],
  recordSchema: { ...PEOPLE_SCHEMA, properties: { ...PEOPLE_SCHEMA.properties, citizenId: { type: 'string', 'x-pii': true, 'x-mask': { strategy: 'PARTIAL', keepStart: 3, keepEnd: 3 } } } },
});
const dataset = residents.datasetId;
const analyst = residents.as(analystOfTaiChinh);
let grantId: string;

beforeAll(async () => {
  // The attacker's own dataset over a table whose keys they choose: here the same rows.
  await residents.gw.publishDataset(residents.as(publisherOfTaiChinh).token, residents.inputOver({ slug: 'mine', title: 'Của tôi', classification: 'PUBLIC' }));
  const asked = dataOf(await analyst.requestAccess({ input: { datasetId: dataset, fields: ['citizenId', 'district'], purpose: PURPOSE, until: new Date(Date.now() + 86_400_000).toISOString() } }));
  grantId = dataOf(await residents.as(stewardOfCongAn).approveAccessRequest({ id: asked.requestAccess.id, input: { maxRows: 25 } })).approveAccessRequest.id;
});

describe('data cursors', () => {
  it('minted on another dataset do not open on the residents', async () => {
    const foreign = dataOf(await analyst.records({ dataset: 'tai-chinh.mine', first: 3 })).records.pageInfo.endCursor;
    const replayed = await analyst.records({ dataset, first: 0, after: foreign, purpose: PURPOSE });
    expect(codeOf(replayed)).toBe('BAD_USER_INPUT');
    expect(replayed.data?.records ?? null).toBeNull();
  });

  it('of another caller, or another ordering, do not open either', async () => {
    const theirs = dataOf(await residents.as(officerOfCongAn).records({ dataset, first: 2 })).records.pageInfo.endCursor;
    expect(codeOf(await analyst.records({ dataset, first: 1, after: theirs, purpose: PURPOSE }))).toBe('BAD_USER_INPUT');
    const sameSubOtherDept = residents.as(like(officerOfCongAn, { department: 'tai-chinh' }));
    expect(codeOf(await sameSubOtherDept.records({ dataset, first: 1, after: theirs }))).not.toBeUndefined();
    const plain = dataOf(await analyst.records({ dataset: 'tai-chinh.mine', first: 2 })).records.pageInfo.endCursor;
    expect(codeOf(await analyst.records({ dataset: 'tai-chinh.mine', first: 1, after: plain, orderBy: [{ field: 'district' }] }))).toBe('BAD_USER_INPUT');
  });

  it('still page the grantee through the rows it may read, with no gaps', async () => {
    const first = dataOf(await analyst.records({ dataset, first: 4, purpose: PURPOSE }));
    const next = dataOf(await analyst.records({ dataset, first: 4, after: first.records.pageInfo.endCursor, purpose: PURPOSE }));
    const ids = [...first.records.edges, ...next.records.edges].map((e) => e.node['citizenId']);
    expect(new Set(ids).size).toBe(8);
    for (const id of ids) expect(id).toMatch(/^\d{3}\*{6}\d{3}$/);
  });

  it('counts and audits a read of first: 0', async () => {
    const { gw } = residents;
    const before = await gw.auditLog.events.countDocuments({ action: 'data.read', grantId });
    const used = async () => (await gw.db.collection<{ _id: string; rows: number }>('grant_usage').findOne({ _id: `${grantId}|${new Date().toISOString().slice(0, 10)}` }))?.rows ?? 0;
    const usedBefore = await used();
    const probe = dataOf(await analyst.records({ dataset, first: 0, purpose: PURPOSE }));
    expect(probe.records.edges).toEqual([]);
    expect(probe.records.pageInfo.hasNextPage).toBe(true);
    expect(await gw.auditLog.events.countDocuments({ action: 'data.read', grantId })).toBe(before + 1);
    expect(await used()).toBe(usedBefore + 1);
    // Probing until the quota is spent ends in QUOTA_EXCEEDED, not in unlimited free probes.
    let last: string | undefined;
    for (let i = 0; i < 30 && last !== 'QUOTA_EXCEEDED'; i++) last = codeOf(await analyst.records({ dataset, first: 0, purpose: PURPOSE }));
    expect(last).toBe('QUOTA_EXCEEDED');
  });
});
