import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, startTestGateway, type TestGateway } from '../kit.js';
import { PEOPLE_SCHEMA, peopleRows } from '../sample-rows.js';
import { postgresSource, type TestSource } from '../sources.js';

/**
 * Attack class 9 (governance): a steward's mask cannot be widened by its parameters, a grant is
 * the grantee's as a member of their department, and a hidden draft answers like a missing id.
 */
const rows = peopleRows(30);
const PURPOSE = 'Kiểm tra hồ sơ đăng ký kinh doanh';
let source: TestSource;
let gw: TestGateway;
let steward: string;
let analyst: string;
let requestId: string;

const REQUEST = 'mutation($input: AccessRequestInput!) { requestAccess(input: $input) { id } }';
const APPROVE = 'mutation($id: ID!, $input: ApprovalInput) { approveAccessRequest(id: $id, input: $input) { id masks { field strategy keepStart keepEnd } } }';
const READ = 'query($p: String) { records(dataset: "cong-an.residents", first: 5, purpose: $p) { edges { node } } }';

beforeAll(async () => {
  source = await postgresSource(rows);
  gw = await startTestGateway({ env: { SOURCE_CREDENTIALS: JSON.stringify(source.credentials) } });
  const police = gw.token('pub', 'cong-an', ['publisher']);
  await gw.publishDataset(police, { slug: 'residents', title: 'Dân cư', description: 'Thử.', classification: 'RESTRICTED', recordSchema: PEOPLE_SCHEMA, connector: source.connector });
  await gw.gql('mutation($input: DatasetInput!) { registerDataset(input: $input) { id } }', { input: { slug: 'secret-draft', title: 'Nháp', description: 'Thử.', classification: 'RESTRICTED', recordSchema: PEOPLE_SCHEMA, connector: source.connector } }, police);
  steward = gw.token('binh', 'cong-an', ['steward']);
  analyst = gw.token('an', 'tai-chinh', ['analyst']);
  const asked = await gw.gql<{ requestAccess: { id: string } }>(REQUEST, { input: { datasetId: 'cong-an.residents', fields: ['citizenId', 'district'], purpose: PURPOSE, until: new Date(Date.now() + 86_400_000).toISOString() } }, analyst);
  requestId = asked.data!.requestAccess.id;
});

afterAll(async () => {
  await gw?.close();
  await source?.drop();
});

describe('grants and visibility', () => {
  it('refuses mask parameters that would show more than the mask hides, and writes no grant', async () => {
    for (const mask of [
      { field: 'citizenId', strategy: 'PARTIAL', keepStart: -1 },
      { field: 'citizenId', strategy: 'PARTIAL', keepEnd: -3 },
      { field: 'citizenId', strategy: 'PARTIAL', keepStart: 100 },
      { field: 'citizenId', strategy: 'REDACT', keepStart: 2 },
    ]) {
      const result = await gw.gql(APPROVE, { id: requestId, input: { masks: [mask] } }, steward);
      expect(codeOf(result), JSON.stringify(mask)).toBe('BAD_USER_INPUT');
      expect(result.errors![0]!.extensions!.details![0]!.path).toMatch(/^input\.masks\.0\.keep(Start|End)$/);
    }
    expect(await gw.access.grants.countDocuments({ requestId })).toBe(0);
    expect((await gw.access.requests.findOne({ _id: requestId }))!.status).toBe('PENDING');
  });

  it('binds a grant to the grantee’s sub and department', async () => {
    const approved = await gw.gql(APPROVE, { id: requestId, input: { masks: [{ field: 'citizenId', strategy: 'PARTIAL', keepStart: 3, keepEnd: 3 }] } }, steward);
    expect(approved.errors).toBeUndefined();
    const own = await gw.gql<{ records: { edges: { node: { citizenId: string } }[] } }>(READ, { p: PURPOSE }, analyst);
    expect(own.errors, JSON.stringify(own.errors)).toBeUndefined();
    expect(own.data!.records.edges[0]!.node.citizenId).toMatch(/^\d{3}\*+\d{3}$/);
    const events = await gw.auditLog.events.countDocuments({ action: 'data.read' });
    // The same sub in another department is someone else: no grant, no rows, no read recorded.
    const impostor = gw.token('an', 'y-te', ['analyst']);
    const result = await gw.gql(READ, { p: PURPOSE }, impostor);
    expect(codeOf(result)).toBe('FORBIDDEN');
    expect(result.data?.records ?? null).toBeNull();
    expect(await gw.auditLog.events.countDocuments({ action: 'data.read' })).toBe(events);
  });

  it('keeps requests and grants to the requester as a member of their department', async () => {
    const impostor = gw.token('an', 'y-te', ['analyst']);
    const mine = await gw.gql<{ accessRequests: { edges: unknown[] }; grants: { edges: unknown[] } }>('{ accessRequests { edges { cursor } } grants { edges { cursor } } }', undefined, impostor);
    expect(mine.data).toEqual({ accessRequests: { edges: [] }, grants: { edges: [] } });
    // A pending request of the real requester can neither be withdrawn by nor block the same sub elsewhere.
    const second = await gw.gql<{ requestAccess: { id: string } }>(REQUEST, { input: { datasetId: 'cong-an.residents', fields: ['district'], purpose: 'Thống kê dân cư theo quận', until: new Date(Date.now() + 86_400_000).toISOString() } }, analyst);
    const id = second.data!.requestAccess.id;
    expect(codeOf(await gw.gql('mutation($id: ID!) { withdrawAccessRequest(id: $id) { id } }', { id }, impostor))).toBe('NOT_FOUND');
    expect((await gw.access.requests.findOne({ _id: id }))!.status).toBe('PENDING');
    const own = await gw.gql<{ requestAccess: { id: string } }>(REQUEST, { input: { datasetId: 'cong-an.residents', fields: ['district'], purpose: 'Thống kê cơ sở y tế theo quận', until: new Date(Date.now() + 86_400_000).toISOString() } }, impostor);
    expect(own.errors).toBeUndefined();
    expect(JSON.stringify(own)).not.toContain(id);
  });

  it('refuses reads past a daily quota before asking the source, saying nothing of what they match', async () => {
    const quoted = gw.token('quota', 'tai-chinh', ['analyst']);
    const purpose = 'Đối soát thuế theo quận';
    const asked = await gw.gql<{ requestAccess: { id: string } }>(REQUEST, { input: { datasetId: 'cong-an.residents', fields: ['district', 'birthYear'], purpose, until: new Date(Date.now() + 86_400_000).toISOString() } }, quoted);
    expect((await gw.gql(APPROVE, { id: asked.data!.requestAccess.id, input: { maxRows: 5 } }, steward)).errors).toBeUndefined();
    const read = (where: Record<string, unknown>, first: number) => gw.gql('query($w: JSON, $f: Int, $p: String) { records(dataset: "cong-an.residents", where: $w, first: $f, purpose: $p) { edges { node } } }', { w: where, f: first, p: purpose }, quoted);
    const queries = () => gw.records.sourceQueries.get('cong-an.residents') ?? 0;
    const before = queries();
    const many = await read({ birthYear: { gte: 1900 } }, 100);
    const none = await read({ birthYear: { lt: 0 } }, 100);
    expect(codeOf(many)).toBe('QUOTA_EXCEEDED');
    expect(many.errors![0]!.message).toBe(none.errors![0]!.message);
    expect(queries()).toBe(before);
    const fits = await read({ birthYear: { gte: 1900 } }, 5);
    expect(fits.errors, JSON.stringify(fits.errors)).toBeUndefined();
    const spent = await read({ birthYear: { gte: 1900 } }, 0);
    expect(codeOf(spent)).toBe('QUOTA_EXCEEDED');
    expect(spent.errors![0]!.message).toBe((await read({ birthYear: { lt: 0 } }, 0)).errors![0]!.message);
    expect(queries()).toBe(before + 1);
  });

  it('answers a hidden draft exactly as a missing dataset, everywhere', async () => {
    const foreignSteward = gw.token('hoa', 'y-te', ['steward', 'analyst']);
    const answer = async (query: string, variables: Record<string, unknown>) => {
      const result = await gw.gql(query, variables, foreignSteward);
      return { code: codeOf(result), message: result.errors?.[0]?.message.replace(/cong-an\.(secret-draft|no-such)/, '<id>') };
    };
    const queries = [
      'query($d: ID) { accessRequests(datasetId: $d) { edges { cursor } } }',
      'query($d: ID) { grants(datasetId: $d) { edges { cursor } } }',
      'query($d: ID) { auditEvents(datasetId: $d) { edges { cursor } } }',
      'query($d: ID!) { records(dataset: $d) { edges { cursor } } }',
      'query($d: ID!) { dataset(id: $d) { id } }',
      'mutation($d: ID!) { checkDatasetHealth(id: $d) { ok } }',
    ];
    for (const query of queries) {
      expect(await answer(query, { d: 'cong-an.secret-draft' }), query).toEqual(await answer(query, { d: 'cong-an.no-such' }));
    }
    const exportOf = (id: string) => fetch(`${gw.base}/export/${id}.ndjson`, { headers: { authorization: `Bearer ${foreignSteward}` } }).then((r) => r.status);
    expect(await exportOf('cong-an.secret-draft')).toBe(await exportOf('cong-an.no-such'));
  });
});
