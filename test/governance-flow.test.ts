import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, startTestGateway, type TestGateway } from './kit.js';
import { PEOPLE_SCHEMA, peopleRows } from './sample-rows.js';
import { postgresSource, type TestSource } from './sources.js';

/**
 * The whole flow as users live it: an analyst of Sở Tài chính finds the residents dataset,
 * asks for access with a purpose, the Công an steward narrows and approves, and the analyst's
 * reads are masked, filtered, counted, audited, and stop when the grant is revoked or expires.
 */
const rows = peopleRows(300);
const RESIDENTS_SCHEMA = {
  ...PEOPLE_SCHEMA,
  properties: {
    ...PEOPLE_SCHEMA.properties,
    citizenId: { type: 'string', 'x-pii': true, 'x-mask': { strategy: 'PARTIAL', keepStart: 3, keepEnd: 3 } },
    birthDate: { type: 'string', format: 'date', 'x-pii': true, 'x-mask': { strategy: 'YEAR_ONLY' } },
  },
};
const PURPOSE = 'Xác minh người đại diện theo pháp luật khi đăng ký doanh nghiệp (Luật Doanh nghiệp 2020, Điều 24)';
const in30Days = () => new Date(Date.now() + 30 * 86_400_000).toISOString();

let source: TestSource;
let gw: TestGateway;
let analyst: string;
let steward: string;
let admin: string;

const REQUEST = 'mutation($input: AccessRequestInput!) { requestAccess(input: $input) { id status fields purpose dataset { id } requester { id department { code } } } }';
const APPROVE = 'mutation($id: ID!, $input: ApprovalInput) { approveAccessRequest(id: $id, input: $input) { id fields masks { field strategy } rowFilter maxRows until purpose active } }';
const READ = 'query($where: JSON, $select: [String!], $orderBy: [OrderBy!], $first: Int, $purpose: String) { records(dataset: "cong-an.residents", where: $where, select: $select, orderBy: $orderBy, first: $first, purpose: $purpose) { edges { node } maskedFields } }';
type Read = { records: { edges: { node: Record<string, unknown> }[]; maskedFields: string[] } };

const ask = async (fields = ['citizenId', 'fullName', 'district', 'birthYear', 'birthDate'], token = analyst) => {
  const result = await gw.gql<{ requestAccess: { id: string } }>(REQUEST, { input: { datasetId: 'cong-an.residents', fields, purpose: PURPOSE, justification: 'Hồ sơ đăng ký doanh nghiệp mới', until: in30Days() } }, token);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return result.data!.requestAccess.id;
};

beforeAll(async () => {
  // Sở Tài chính binds the same table for the founders dataset below, so its credential is shared.
  source = await postgresSource(rows, undefined, ['cong-an', 'tai-chinh']);
  gw = await startTestGateway({ env: { SOURCE_CREDENTIALS: JSON.stringify(source.credentials) } });
  analyst = gw.token('an.nguyen', 'tai-chinh', ['analyst']);
  steward = gw.token('binh.tran', 'cong-an', ['steward']);
  admin = gw.token('root', 'platform', ['admin']);
  const publisher = gw.token('pub', 'cong-an', ['publisher']);
  const input = { slug: 'residents', title: 'Dân cư thành phố', description: 'Cư dân thường trú.', classification: 'RESTRICTED', recordSchema: RESIDENTS_SCHEMA, connector: source.connector };
  await gw.publishDataset(publisher, input);
});

afterAll(async () => {
  await gw?.close();
  await source?.drop();
});

describe('requesting, approving and reading under a grant', () => {
  let requestId: string;
  let grantId: string;

  it('finds the dataset, is told how to get access, and asks for it', async () => {
    const found = await gw.gql<{ datasets: { edges: { node: { id: string; myAccess: { canRead: boolean; reason: string } } }[] } }>(
      '{ datasets(search: "dan cu") { edges { node { id myAccess { canRead reason } } } } }',
      undefined,
      analyst,
    );
    const node = found.data!.datasets.edges.find((e) => e.node.id === 'cong-an.residents')!.node;
    expect(node.myAccess.canRead).toBe(false);
    expect(node.myAccess.reason).toMatch(/requestAccess/);
    const refused = await gw.gql(READ, {}, analyst);
    expect(codeOf(refused)).toBe('FORBIDDEN');
    expect(refused.errors![0]!.message).toMatch(/requestAccess/);

    requestId = await ask();
    expect(codeOf(await gw.gql(REQUEST, { input: { datasetId: 'cong-an.residents', fields: ['district'], purpose: PURPOSE, until: in30Days() } }, analyst))).toBe('CONFLICT');
  });

  it('validates a request: known fields, a purpose, a date within the maximum', async () => {
    const other = gw.token('chi', 'tai-chinh', ['analyst']);
    const result = await gw.gql(REQUEST, { input: { datasetId: 'cong-an.residents', fields: ['district', 'salary'], purpose: ' ', until: new Date(Date.now() + 3650 * 86_400_000).toISOString() } }, other);
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0]!.extensions!.details!.map((d) => d.path)).toEqual(['input.fields.1', 'input.purpose', 'input.until']);
    expect(codeOf(await gw.gql(REQUEST, { input: { datasetId: 'cong-an.residents', fields: ['district'], purpose: PURPOSE, until: '2020-01-01T00:00:00Z' } }, other))).toBe('BAD_USER_INPUT');
  });

  it('keeps requests to those who may see them', async () => {
    const LIST = 'query($d: ID) { accessRequests(datasetId: $d) { edges { node { id status } } } }';
    const ids = async (token: string, d?: string) => (await gw.gql<{ accessRequests: { edges: { node: { id: string } }[] } }>(LIST, { d }, token)).data?.accessRequests.edges.map((e) => e.node.id);
    expect(await ids(steward)).toContain(requestId);
    expect(await ids(analyst)).toContain(requestId);
    expect(await ids(gw.token('someone', 'tai-chinh', ['analyst']))).toEqual([]);
    const foreignSteward = gw.token('hoa', 'y-te', ['steward']);
    expect(codeOf(await gw.gql(LIST, { d: 'cong-an.residents' }, foreignSteward))).toBe('FORBIDDEN');
    expect(codeOf(await gw.gql(APPROVE, { id: requestId }, foreignSteward))).toBe('FORBIDDEN');
  });

  it('lets the Công an steward narrow and approve', async () => {
    const tooWide = await gw.gql(APPROVE, { id: requestId, input: { fields: ['citizenId', 'address'], rowFilter: { nope: { eq: 1 } } } }, steward);
    expect(codeOf(tooWide), JSON.stringify(tooWide.errors)).toBe('BAD_USER_INPUT');
    expect(tooWide.errors![0]!.extensions!.details!.map((d) => d.path)).toEqual(['input.fields.1', 'input.rowFilter.nope']);

    const approved = await gw.gql<{ approveAccessRequest: Record<string, unknown> & { id: string } }>(
      APPROVE,
      { id: requestId, input: { fields: ['citizenId', 'district', 'birthYear', 'birthDate'], rowFilter: { district: { in: ['Quận 1', 'Quận 3'] } }, maxRows: 60, note: 'Chỉ hai quận thí điểm' } },
      steward,
    );
    expect(approved.errors).toBeUndefined();
    expect(approved.data!.approveAccessRequest).toMatchObject({
      fields: ['citizenId', 'district', 'birthYear', 'birthDate'],
      masks: [
        { field: 'citizenId', strategy: 'PARTIAL' },
        { field: 'birthDate', strategy: 'YEAR_ONLY' },
      ],
      maxRows: 60,
      purpose: PURPOSE,
      active: true,
    });
    grantId = approved.data!.approveAccessRequest.id;
    expect(codeOf(await gw.gql('mutation($id: ID!) { rejectAccessRequest(id: $id, reason: "muộn") { id } }', { id: requestId }, steward))).toBe('CONFLICT');
  });

  it('refuses a read without the purpose, and explains', async () => {
    const result = await gw.gql(READ, {}, analyst);
    expect(codeOf(result)).toBe('FORBIDDEN');
    expect(result.errors![0]!.message).toMatch(/purpose/);
  });

  it('serves only granted fields and rows, with masked citizen ids', async () => {
    const result = await gw.gql<Read>(READ, { purpose: PURPOSE, first: 40 }, analyst);
    expect(result.errors).toBeUndefined();
    const nodes = result.data!.records.edges.map((e) => e.node);
    const expected = rows.filter((r) => r.district === 'Quận 1' || r.district === 'Quận 3');
    expect(nodes.length).toBe(Math.min(40, expected.length));
    expect(result.data!.records.maskedFields).toEqual(['citizenId', 'birthDate']);
    for (const node of nodes) {
      expect(Object.keys(node)).toEqual(['citizenId', 'district', 'birthYear', 'birthDate']);
      expect(['Quận 1', 'Quận 3']).toContain(node['district']);
      expect(node['citizenId']).toMatch(/^\d{3}\*{6}\d{3}$/);
      expect(node['birthDate']).toMatch(/^\d{4}$/);
    }
    const clear = new Set(rows.map((r) => r.citizenId));
    expect(nodes.some((n) => clear.has(n['citizenId'] as string))).toBe(false);
  });

  it('refuses fields outside the grant and filters or sorts on what it masks', async () => {
    expect(codeOf(await gw.gql(READ, { purpose: PURPOSE, select: ['fullName'] }, analyst))).toBe('FORBIDDEN');
    const byId = await gw.gql(READ, { purpose: PURPOSE, where: { citizenId: { startsWith: '079' } } }, analyst);
    expect(codeOf(byId)).toBe('FORBIDDEN');
    expect(byId.errors![0]!.message).toContain('citizenId');
    expect(codeOf(await gw.gql(READ, { purpose: PURPOSE, orderBy: [{ field: 'birthDate' }] }, analyst))).toBe('FORBIDDEN');
    const typed = await gw.gql('{ data { cong_an_residents(purpose: "' + PURPOSE + '", where: { fullName: { eq: "x" } }) { edges { cursor } } } }', undefined, analyst);
    expect(codeOf(typed)).toBe('FORBIDDEN');
  });

  it('shows the caller the same decision in myAccess', async () => {
    const result = await gw.gql<{ dataset: { myAccess: Record<string, unknown> } }>(
      '{ dataset(id: "cong-an.residents") { myAccess { canRead visibleFields maskedFields hiddenFields grant { id } } } }',
      undefined,
      analyst,
    );
    expect(result.data!.dataset.myAccess).toEqual({
      canRead: true,
      visibleFields: ['citizenId', 'district', 'birthYear', 'birthDate'],
      maskedFields: ['citizenId', 'birthDate'],
      hiddenFields: ['fullName', 'income', 'active', 'note'],
      grant: { id: grantId },
    });
  });

  it('enforces the daily row quota, across a restart of the gateway', async () => {
    // 40 rows read above; 20 more pass the 60-row quota.
    expect(codeOf(await gw.gql(READ, { purpose: PURPOSE, first: 21 }, analyst))).toBe('QUOTA_EXCEEDED');
    const restarted = await startTestGateway({ env: { SOURCE_CREDENTIALS: JSON.stringify(source.credentials) }, dbName: gw.db.databaseName });
    try {
      expect((await restarted.gql<Read>(READ, { purpose: PURPOSE, first: 20 }, analyst)).data!.records.edges).toHaveLength(20);
      expect(codeOf(await restarted.gql(READ, { purpose: PURPOSE, first: 1 }, analyst))).toBe('QUOTA_EXCEEDED');
    } finally {
      await restarted.detach();
    }
  });

  it('records every read and decision in the audit trail, for the owning stewards', async () => {
    const EVENTS = 'query($d: ID, $a: ID) { auditEvents(datasetId: $d, actor: $a, first: 100) { edges { node { seq action actor { id } purpose grantId rowCount fields queryHash } } } }';
    const result = await gw.gql<{ auditEvents: { edges: { node: Record<string, unknown> }[] } }>(EVENTS, { d: 'cong-an.residents', a: 'an.nguyen' }, steward);
    const events = result.data!.auditEvents.edges.map((e) => e.node);
    const reads = events.filter((e) => e['action'] === 'data.read');
    expect(reads.length).toBeGreaterThanOrEqual(2);
    expect(reads.find((e) => e['rowCount'] === 40)).toMatchObject({ purpose: PURPOSE, grantId, fields: ['citizenId', 'district', 'birthYear', 'birthDate'] });
    expect(events.map((e) => e['action'])).toContain('access.request');
    const decisions = await gw.gql<{ auditEvents: { edges: { node: { action: string } }[] } }>(EVENTS, { d: 'cong-an.residents', a: 'binh.tran' }, steward);
    expect(decisions.data!.auditEvents.edges.map((e) => e.node.action)).toContain('access.approve');
    expect(codeOf(await gw.gql(EVENTS, { d: 'cong-an.residents' }, gw.token('x', 'tai-chinh', ['steward'])))).toBe('FORBIDDEN');
    expect(codeOf(await gw.gql(EVENTS, {}, analyst))).toBe('FORBIDDEN');
    const verified = await gw.gql<{ verifyAuditLog: { ok: boolean; checked: number } }>('{ verifyAuditLog { ok checked firstBrokenSeq } }', undefined, admin);
    expect(verified.data!.verifyAuditLog.ok).toBe(true);
    expect(codeOf(await gw.gql('{ verifyAuditLog { ok } }', undefined, steward))).toBe('FORBIDDEN');
  });

  it('stops serving on the next read after a revocation', async () => {
    const revoked = await gw.gql<{ revokeGrant: { active: boolean } }>('mutation($id: ID!) { revokeGrant(id: $id, reason: "Hết nhu cầu") { active revokedAt } }', { id: grantId }, steward);
    expect(revoked.data!.revokeGrant.active).toBe(false);
    expect(codeOf(await gw.gql(READ, { purpose: PURPOSE, first: 1 }, analyst))).toBe('FORBIDDEN');
    expect(codeOf(await gw.gql('mutation($id: ID!) { revokeGrant(id: $id, reason: "lần hai") { id } }', { id: grantId }, steward))).toBe('CONFLICT');
  });

  it('stops serving when the grant expires', async () => {
    const id = await ask(['district', 'birthYear']);
    const soon = new Date(Date.now() + 1500).toISOString();
    expect((await gw.gql(APPROVE, { id, input: { until: soon } }, steward)).errors).toBeUndefined();
    expect((await gw.gql<Read>(READ, { purpose: PURPOSE, first: 1 }, analyst)).data!.records.edges).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 1700));
    expect(codeOf(await gw.gql(READ, { purpose: PURPOSE, first: 1 }, analyst))).toBe('FORBIDDEN');
  });

  it('lets the requester withdraw a pending request, and nobody else', async () => {
    const id = await ask(['district']);
    const WITHDRAW = 'mutation($id: ID!) { withdrawAccessRequest(id: $id) { status } }';
    expect(codeOf(await gw.gql(WITHDRAW, { id }, gw.token('other', 'tai-chinh', ['analyst'])))).toBe('NOT_FOUND');
    expect((await gw.gql<{ withdrawAccessRequest: { status: string } }>(WITHDRAW, { id }, analyst)).data!.withdrawAccessRequest.status).toBe('WITHDRAWN');
    // Withdrawn, the request no longer blocks a new one.
    await ask(['district']);
  });

  it('reads linked records for the purpose of the rows they hang from', async () => {
    const checker = gw.token('thu.le', 'tai-chinh', ['analyst']);
    const id = await ask(['citizenId', 'district'], checker);
    // The steward lets this analyst see citizen ids in clear, so links on them can resolve.
    expect((await gw.gql(APPROVE, { id, input: { masks: [{ field: 'citizenId', strategy: 'CLEAR' }] } }, steward)).errors).toBeUndefined();
    await gw.publishDataset(gw.token('pub', 'tai-chinh', ['publisher']), {
      slug: 'founders',
      title: 'Sáng lập viên',
      description: 'Người sáng lập doanh nghiệp.',
      classification: 'PUBLIC',
      recordSchema: PEOPLE_SCHEMA,
      connector: source.connector,
      links: [{ field: 'citizenId', dataset: 'cong-an.residents', targetField: 'citizenId', as: 'resident' }],
    });
    const FOUNDERS = 'query($p: String) { data { tai_chinh_founders(first: 30, purpose: $p) { edges { node { citizenId district resident { citizenId district } } } } } }';
    type Founders = { data: { tai_chinh_founders: { edges: { node: { citizenId: string; district: string; resident: { citizenId: string; district: string } | null } }[] } } };
    const withPurpose = await gw.gql<Founders>(FOUNDERS, { p: PURPOSE }, checker);
    expect(withPurpose.errors).toBeUndefined();
    for (const { node } of withPurpose.data!.data.tai_chinh_founders.edges) expect(node.resident).toEqual({ citizenId: node.citizenId, district: node.district });
    const without = await gw.gql<Founders>(FOUNDERS, {}, checker);
    expect(without.data!.data.tai_chinh_founders.edges.every((e) => e.node.resident === null)).toBe(true);
    expect(without.errors).toHaveLength(1);
    expect(without.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });
});
