import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, startTestGateway, type TestGateway } from '../kit.js';
import { PEOPLE_SCHEMA, peopleRows } from '../sample-rows.js';
import { postgresSource, type TestSource } from '../sources.js';

/**
 * Attack class 7: the cursor oracle. A grantee who sees citizen ids masked mints cursors on a
 * dataset of their own (whose keys they choose) and replays them, with first: 0, on the
 * residents, to binary-search a masked id from hasNextPage. Cursors only open for the read that
 * handed them out, and every read is counted and audited, first: 0 included.
 */
const rows = peopleRows(60);
const PURPOSE = 'Đối chiếu người đại diện theo pháp luật';
let source: TestSource;
let gw: TestGateway;
let analyst: string;
let grantId: string;

const READ = 'query($d: ID!, $first: Int, $after: String, $p: String) { records(dataset: $d, first: $first, after: $after, purpose: $p) { edges { cursor node } pageInfo { hasNextPage endCursor } } }';
type Page = { records: { edges: { cursor: string; node: Record<string, unknown> }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } };

beforeAll(async () => {
  source = await postgresSource(rows, undefined, ['cong-an', 'tai-chinh']);
  gw = await startTestGateway({ env: { SOURCE_CREDENTIALS: JSON.stringify(source.credentials) } });
  const police = gw.token('pub', 'cong-an', ['publisher']);
  const schema = { ...PEOPLE_SCHEMA, properties: { ...PEOPLE_SCHEMA.properties, citizenId: { type: 'string', 'x-pii': true, 'x-mask': { strategy: 'PARTIAL', keepStart: 3, keepEnd: 3 } } } };
  await gw.publishDataset(police, { slug: 'residents', title: 'Dân cư', description: 'Thử.', classification: 'RESTRICTED', recordSchema: schema, connector: source.connector });
  // The attacker's own dataset over a table whose keys they choose: here the same rows.
  await gw.publishDataset(gw.token('lan', 'tai-chinh', ['publisher']), { slug: 'mine', title: 'Của tôi', description: 'Thử.', classification: 'PUBLIC', recordSchema: PEOPLE_SCHEMA, connector: source.connector });
  analyst = gw.token('an', 'tai-chinh', ['analyst']);
  const asked = await gw.gql<{ requestAccess: { id: string } }>(
    'mutation($input: AccessRequestInput!) { requestAccess(input: $input) { id } }',
    { input: { datasetId: 'cong-an.residents', fields: ['citizenId', 'district'], purpose: PURPOSE, until: new Date(Date.now() + 86_400_000).toISOString() } },
    analyst,
  );
  const approved = await gw.gql<{ approveAccessRequest: { id: string } }>('mutation($id: ID!) { approveAccessRequest(id: $id, input: { maxRows: 25 }) { id } }', { id: asked.data!.requestAccess.id }, gw.token('binh', 'cong-an', ['steward']));
  grantId = approved.data!.approveAccessRequest.id;
});

afterAll(async () => {
  await gw?.close();
  await source?.drop();
});

describe('data cursors', () => {
  it('minted on another dataset do not open on the residents', async () => {
    const mine = await gw.gql<Page>(READ, { d: 'tai-chinh.mine', first: 3 }, analyst);
    const foreign = mine.data!.records.pageInfo.endCursor;
    const replayed = await gw.gql(READ, { d: 'cong-an.residents', first: 0, after: foreign, p: PURPOSE }, analyst);
    expect(codeOf(replayed)).toBe('BAD_USER_INPUT');
    expect(replayed.data?.records ?? null).toBeNull();
  });

  it('of another caller, or another ordering, do not open either', async () => {
    const owner = gw.token('officer', 'cong-an', ['analyst']);
    const theirs = (await gw.gql<Page>(READ, { d: 'cong-an.residents', first: 2 }, owner)).data!.records.pageInfo.endCursor;
    expect(codeOf(await gw.gql(READ, { d: 'cong-an.residents', first: 1, after: theirs, p: PURPOSE }, analyst))).toBe('BAD_USER_INPUT');
    const sameSubOtherDept = gw.token('officer', 'tai-chinh', ['analyst']);
    expect(codeOf(await gw.gql(READ, { d: 'cong-an.residents', first: 1, after: theirs }, sameSubOtherDept))).not.toBeUndefined();
    const ordered = 'query($after: String) { records(dataset: "tai-chinh.mine", first: 1, after: $after, orderBy: [{ field: "district" }]) { edges { cursor } } }';
    const plain = (await gw.gql<Page>(READ, { d: 'tai-chinh.mine', first: 2 }, analyst)).data!.records.pageInfo.endCursor;
    expect(codeOf(await gw.gql(ordered, { after: plain }, analyst))).toBe('BAD_USER_INPUT');
  });

  it('still page the grantee through the rows it may read, with no gaps', async () => {
    const first = await gw.gql<Page>(READ, { d: 'cong-an.residents', first: 4, p: PURPOSE }, analyst);
    const next = await gw.gql<Page>(READ, { d: 'cong-an.residents', first: 4, after: first.data!.records.pageInfo.endCursor, p: PURPOSE }, analyst);
    expect(next.errors).toBeUndefined();
    const ids = [...first.data!.records.edges, ...next.data!.records.edges].map((e) => e.node['citizenId']);
    expect(new Set(ids).size).toBe(8);
    for (const id of ids) expect(id).toMatch(/^\d{3}\*{6}\d{3}$/);
  });

  it('counts and audits a read of first: 0', async () => {
    const before = await gw.auditLog.events.countDocuments({ action: 'data.read', grantId });
    const used = async () => (await gw.db.collection<{ _id: string; rows: number }>('grant_usage').findOne({ _id: `${grantId}|${new Date().toISOString().slice(0, 10)}` }))?.rows ?? 0;
    const usedBefore = await used();
    const probe = await gw.gql<Page>(READ, { d: 'cong-an.residents', first: 0, p: PURPOSE }, analyst);
    expect(probe.data!.records.edges).toEqual([]);
    expect(probe.data!.records.pageInfo.hasNextPage).toBe(true);
    expect(await gw.auditLog.events.countDocuments({ action: 'data.read', grantId })).toBe(before + 1);
    expect(await used()).toBe(usedBefore + 1);
    // Probing until the quota is spent ends in QUOTA_EXCEEDED, not in unlimited free probes.
    let last: string | undefined;
    for (let i = 0; i < 30 && last !== 'QUOTA_EXCEEDED'; i++) last = codeOf(await gw.gql(READ, { d: 'cong-an.residents', first: 0, p: PURPOSE }, analyst));
    expect(last).toBe('QUOTA_EXCEEDED');
  });
});
