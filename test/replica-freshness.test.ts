import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, startTestGateway, type TestGateway } from './kit.js';
import { PEOPLE_SCHEMA, peopleRows } from './sample-rows.js';
import { postgresSource, type TestSource } from './sources.js';

/**
 * Two gateway processes on one catalogue: the read path keeps dataset metadata and grants in
 * memory, and a change made through one gateway — a revoked grant, a changed classification, a
 * deprecated dataset — must hold on the very next read through the other, as must a grant's
 * expiry. Each case first reads through gateway B, so B holds copies, then changes through A.
 */
const rows = peopleRows(60);
const PURPOSE = 'Xác minh nhân thân khi cấp giấy phép kinh doanh (Nghị định 01/2021)';
const READ = 'query($purpose: String) { records(dataset: "cong-an.people", first: 5, purpose: $purpose) { edges { node } maskedFields } }';

let source: TestSource;
let a: TestGateway;
let b: TestGateway;
let publisher: string;
let steward: string;

const ok = async (gw: TestGateway, token: string, purpose?: string) => {
  const result = await gw.gql<{ records: { edges: { node: Record<string, unknown> }[]; maskedFields: string[] } }>(READ, { purpose }, token);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return result.data!.records;
};

async function grant(analyst: string, until: Date): Promise<string> {
  const requested = await a.gql<{ requestAccess: { id: string } }>(
    'mutation($input: AccessRequestInput!) { requestAccess(input: $input) { id } }',
    { input: { datasetId: 'cong-an.people', fields: ['citizenId', 'district'], purpose: PURPOSE, until: until.toISOString() } },
    analyst,
  );
  expect(requested.errors, JSON.stringify(requested.errors)).toBeUndefined();
  const approved = await a.gql<{ approveAccessRequest: { id: string } }>('mutation($id: ID!) { approveAccessRequest(id: $id) { id } }', { id: requested.data!.requestAccess.id }, steward);
  expect(approved.errors, JSON.stringify(approved.errors)).toBeUndefined();
  return approved.data!.approveAccessRequest.id;
}

const update = async (input: Record<string, unknown>) => {
  const result = await a.gql('mutation($input: DatasetPatch!) { updateDataset(id: "cong-an.people", input: $input) { id } }', { input }, publisher);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
};

beforeAll(async () => {
  source = await postgresSource(rows);
  const env = { SOURCE_CREDENTIALS: JSON.stringify(source.credentials) };
  a = await startTestGateway({ env });
  b = await startTestGateway({ env, dbName: a.db.databaseName });
  publisher = a.token('pub', 'cong-an', ['publisher']);
  steward = a.token('steward', 'cong-an', ['steward']);
  await a.publishDataset(publisher, { slug: 'people', title: 'Nhân khẩu', description: 'Nhân khẩu thường trú.', classification: 'RESTRICTED', recordSchema: PEOPLE_SCHEMA, connector: source.connector });
});

afterAll(async () => {
  await b?.detach();
  await a?.close();
  await source?.drop();
});

describe('a change through one gateway holds on the next read through the other', () => {
  it('a revoked grant', async () => {
    const analyst = a.token('revoked.one', 'tai-chinh', ['analyst']);
    const grantId = await grant(analyst, new Date(Date.now() + 86_400_000));
    await ok(b, analyst, PURPOSE);
    await ok(b, analyst, PURPOSE);
    const revoked = await a.gql('mutation($id: ID!) { revokeGrant(id: $id, reason: "hết nhu cầu") { id } }', { id: grantId }, steward);
    expect(revoked.errors).toBeUndefined();
    expect(codeOf(await b.gql(READ, { purpose: PURPOSE }, analyst))).toBe('FORBIDDEN');
    expect(codeOf(await a.gql(READ, { purpose: PURPOSE }, analyst))).toBe('FORBIDDEN');
  });

  it('an expired grant, with no change written anywhere', async () => {
    const analyst = a.token('expiring.one', 'tai-chinh', ['analyst']);
    const until = new Date(Date.now() + 2500);
    await grant(analyst, until);
    await ok(b, analyst, PURPOSE);
    await new Promise((resolve) => setTimeout(resolve, until.getTime() - Date.now() + 50));
    expect(codeOf(await b.gql(READ, { purpose: PURPOSE }, analyst))).toBe('FORBIDDEN');
  });

  it('a changed classification, either way', async () => {
    const analyst = a.token('no.grant', 'tai-chinh', ['analyst']);
    expect(codeOf(await b.gql(READ, {}, analyst))).toBe('FORBIDDEN');
    await update({ classification: 'INTERNAL' });
    const internal = await ok(b, analyst);
    expect(internal.maskedFields).toEqual(['citizenId', 'fullName']);
    await update({ classification: 'CONFIDENTIAL' });
    expect(codeOf(await b.gql(READ, {}, analyst))).toBe('FORBIDDEN');
  });

  it('a deprecated dataset', async () => {
    const analyst = a.token('reader', 'tai-chinh', ['analyst']);
    await update({ classification: 'INTERNAL' });
    await ok(b, analyst);
    const deprecated = await a.gql('mutation { deprecateDataset(id: "cong-an.people", reason: "thay bằng bộ mới") { id } }', undefined, publisher);
    expect(deprecated.errors).toBeUndefined();
    expect(codeOf(await b.gql(READ, {}, analyst))).toBe('NOT_FOUND');
  });
});
