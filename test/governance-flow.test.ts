import { describe, expect, it } from 'vitest';
import { codeOf, dataOf, pathsOf, startTestGateway } from './kit.js';
import { admin, analystOfTaiChinh, like, publisherOfTaiChinh, stewardOfCongAn, stewardOfYTe } from './kit/personas.js';
import { withPublishedSource } from './kit/stories.js';
import { PEOPLE_SCHEMA, peopleRows } from './sample-rows.js';

/**
 * The whole flow as users live it: an analyst of Sở Tài chính finds the residents dataset,
 * asks for access with a purpose, the Công an steward narrows and approves, and the analyst's
 * reads are masked, filtered, counted, audited, and stop when the grant is revoked or expires.
 */
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

// Sở Tài chính binds the same table for the founders dataset below, so its credential is shared.
const residents = withPublishedSource(peopleRows(300), 'RESTRICTED', {
  slug: 'residents',
  title: 'Dân cư thành phố',
  recordSchema: RESIDENTS_SCHEMA,
  departments: ['cong-an', 'tai-chinh'],
});
const rows = residents.rows;
const dataset = residents.datasetId;
const analyst = residents.as(analystOfTaiChinh);
const steward = residents.as(stewardOfCongAn);

const ask = async (fields = ['citizenId', 'fullName', 'district', 'birthYear', 'birthDate'], who = analyst) =>
  dataOf(await who.requestAccess({ input: { datasetId: dataset, fields, purpose: PURPOSE, justification: 'Hồ sơ đăng ký doanh nghiệp mới', until: in30Days() } })).requestAccess.id;
const read = (variables: { where?: unknown; select?: string[]; orderBy?: unknown; first?: number; purpose?: string } = {}) => analyst.records({ dataset, ...variables });

describe('requesting, approving and reading under a grant', () => {
  let requestId: string;
  let grantId: string;

  it('finds the dataset, is told how to get access, and asks for it', async () => {
    const found = dataOf(await analyst.searchDatasets({ search: 'dan cu' }));
    const node = found.datasets.edges.find((e) => e.node.id === dataset)!.node;
    expect(node.myAccess.canRead).toBe(false);
    expect(node.myAccess.reason).toMatch(/requestAccess/);
    const refused = await read();
    expect(codeOf(refused)).toBe('FORBIDDEN');
    expect(refused.errors![0]!.message).toMatch(/requestAccess/);

    requestId = await ask();
    expect(codeOf(await analyst.requestAccess({ input: { datasetId: dataset, fields: ['district'], purpose: PURPOSE, until: in30Days() } }))).toBe('CONFLICT');
  });

  it('validates a request: known fields, a purpose, a date within the maximum', async () => {
    const other = residents.as(like(analystOfTaiChinh, { id: 'chi' }));
    const result = await other.requestAccess({ input: { datasetId: dataset, fields: ['district', 'salary'], purpose: ' ', until: new Date(Date.now() + 3650 * 86_400_000).toISOString() } });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(pathsOf(result)).toEqual(['input.fields.1', 'input.purpose', 'input.until']);
    expect(codeOf(await other.requestAccess({ input: { datasetId: dataset, fields: ['district'], purpose: PURPOSE, until: '2020-01-01T00:00:00Z' } }))).toBe('BAD_USER_INPUT');
  });

  it('keeps requests to those who may see them', async () => {
    const ids = async (who: typeof analyst, datasetId?: string) => (await who.accessRequests({ datasetId })).data?.accessRequests.edges.map((e) => e.node.id);
    expect(await ids(steward)).toContain(requestId);
    expect(await ids(analyst)).toContain(requestId);
    expect(await ids(residents.as(like(analystOfTaiChinh, { id: 'someone' })))).toEqual([]);
    const foreignSteward = residents.as(stewardOfYTe);
    expect(codeOf(await foreignSteward.accessRequests({ datasetId: dataset }))).toBe('FORBIDDEN');
    expect(codeOf(await foreignSteward.approveAccessRequest({ id: requestId }))).toBe('FORBIDDEN');
  });

  it('lets the Công an steward narrow and approve', async () => {
    const tooWide = await steward.approveAccessRequest({ id: requestId, input: { fields: ['citizenId', 'address'], rowFilter: { nope: { eq: 1 } } } });
    expect(codeOf(tooWide), JSON.stringify(tooWide.errors)).toBe('BAD_USER_INPUT');
    expect(pathsOf(tooWide)).toEqual(['input.fields.1', 'input.rowFilter.nope']);

    const approved = dataOf(
      await steward.approveAccessRequest({
        id: requestId,
        input: { fields: ['citizenId', 'district', 'birthYear', 'birthDate'], rowFilter: { district: { in: ['Quận 1', 'Quận 3'] } }, maxRows: 60, note: 'Chỉ hai quận thí điểm' },
      }),
    );
    expect(approved.approveAccessRequest).toMatchObject({
      fields: ['citizenId', 'district', 'birthYear', 'birthDate'],
      masks: [
        { field: 'citizenId', strategy: 'PARTIAL' },
        { field: 'birthDate', strategy: 'YEAR_ONLY' },
      ],
      maxRows: 60,
      purpose: PURPOSE,
      active: true,
    });
    grantId = approved.approveAccessRequest.id;
    expect(codeOf(await steward.rejectAccessRequest({ id: requestId, reason: 'muộn' }))).toBe('CONFLICT');
  });

  it('refuses a read without the purpose, and explains', async () => {
    const result = await read();
    expect(codeOf(result)).toBe('FORBIDDEN');
    expect(result.errors![0]!.message).toMatch(/purpose/);
  });

  it('serves only granted fields and rows, with masked citizen ids', async () => {
    const result = dataOf(await read({ purpose: PURPOSE, first: 40 }));
    const nodes = result.records.edges.map((e) => e.node);
    const expected = rows.filter((r) => r.district === 'Quận 1' || r.district === 'Quận 3');
    expect(nodes.length).toBe(Math.min(40, expected.length));
    expect(result.records.maskedFields).toEqual(['citizenId', 'birthDate']);
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
    expect(codeOf(await read({ purpose: PURPOSE, select: ['fullName'] }))).toBe('FORBIDDEN');
    const byId = await read({ purpose: PURPOSE, where: { citizenId: { startsWith: '079' } } });
    expect(codeOf(byId)).toBe('FORBIDDEN');
    expect(byId.errors![0]!.message).toContain('citizenId');
    expect(codeOf(await read({ purpose: PURPOSE, orderBy: [{ field: 'birthDate' }] }))).toBe('FORBIDDEN');
    const typed = await analyst.gql('query($p: String) { data { cong_an_residents(purpose: $p, where: { fullName: { eq: "x" } }) { edges { cursor } } } }', { p: PURPOSE });
    expect(codeOf(typed)).toBe('FORBIDDEN');
  });

  it('shows the caller the same decision in myAccess', async () => {
    const result = dataOf(await analyst.dataset({ id: dataset }));
    expect(result.dataset!.myAccess).toEqual({
      canRead: true,
      reason: null,
      visibleFields: ['citizenId', 'district', 'birthYear', 'birthDate'],
      maskedFields: ['citizenId', 'birthDate'],
      hiddenFields: ['fullName', 'income', 'active', 'note'],
      grant: { id: grantId },
    });
  });

  it('enforces the daily row quota, across a restart of the gateway', async () => {
    // 40 rows read above; 20 more pass the 60-row quota.
    expect(codeOf(await read({ purpose: PURPOSE, first: 21 }))).toBe('QUOTA_EXCEEDED');
    const restarted = await startTestGateway({ env: { SOURCE_CREDENTIALS: JSON.stringify(residents.credentials) }, dbName: residents.gw.db.databaseName });
    try {
      const again = restarted.as(analystOfTaiChinh);
      expect(dataOf(await again.records({ dataset, purpose: PURPOSE, first: 20 })).records.edges).toHaveLength(20);
      expect(codeOf(await again.records({ dataset, purpose: PURPOSE, first: 1 }))).toBe('QUOTA_EXCEEDED');
    } finally {
      await restarted.detach();
    }
  });

  it('exports under a grant exactly the masked, filtered rows records serves, and stops where the quota does', async () => {
    const exporter = residents.as(like(analystOfTaiChinh, { id: 'xuat.tep' }));
    const fields = ['citizenId', 'district', 'birthYear', 'birthDate'];
    const inDistricts = rows.filter((r) => r.district === 'Quận 1' || r.district === 'Quận 3').length;
    const id = await ask(fields, exporter);
    // Room for one read of every granted row, one export of them, and five rows more.
    dataOf(await steward.approveAccessRequest({ id, input: { fields, rowFilter: { district: { in: ['Quận 1', 'Quận 3'] } }, maxRows: 2 * inDistricts + 5 } }));
    const served = dataOf(await exporter.records({ dataset, purpose: PURPOSE, first: inDistricts + 1 })).records.edges.map((e) => e.node);
    expect(served).toHaveLength(inDistricts);
    const exportAs = () => fetch(`${residents.gw.base}/export/${dataset}.ndjson?purpose=${encodeURIComponent(PURPOSE)}`, { headers: { authorization: `Bearer ${exporter.token}` } });
    const response = await exportAs();
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toBe(served.map((node) => `${JSON.stringify(node)}\n`).join(''));
    const first = JSON.parse(text.split('\n')[0]!) as Record<string, string>;
    expect(first['citizenId']).toMatch(/^\d{3}\*{6}\d{3}$/);
    expect(first['birthDate']).toMatch(/^\d{4}$/);
    // Five rows are left today: the next export writes them and is then cut, never completed.
    const cut = await exportAs();
    expect(cut.status).toBe(200);
    await expect(cut.text()).rejects.toThrow();
    expect(codeOf(await exporter.records({ dataset, purpose: PURPOSE, first: 1 }))).toBe('QUOTA_EXCEEDED');
    const events = dataOf(await steward.auditEvents({ datasetId: dataset, actor: 'xuat.tep', first: 10 })).auditEvents.edges.map((e) => e.node);
    const reads = events.filter((e) => e.action === 'data.read').map((e) => Number(e.rowCount));
    expect(reads.sort((a, b) => a - b)).toEqual([5, inDistricts, inDistricts]);
  });

  it('records every read and decision in the audit trail, for the owning stewards', async () => {
    const events = dataOf(await steward.auditEvents({ datasetId: dataset, actor: analystOfTaiChinh.id, first: 100 })).auditEvents.edges.map((e) => e.node);
    const reads = events.filter((e) => e.action === 'data.read');
    expect(reads.length).toBeGreaterThanOrEqual(2);
    expect(reads.find((e) => e.rowCount === 40)).toMatchObject({ purpose: PURPOSE, grantId, fields: ['citizenId', 'district', 'birthYear', 'birthDate'] });
    expect(events.map((e) => e.action)).toContain('access.request');
    const decisions = dataOf(await steward.auditEvents({ datasetId: dataset, actor: stewardOfCongAn.id, first: 100 }));
    expect(decisions.auditEvents.edges.map((e) => e.node.action)).toContain('access.approve');
    expect(codeOf(await residents.as(like(stewardOfCongAn, { id: 'x', department: 'tai-chinh' })).auditEvents({ datasetId: dataset }))).toBe('FORBIDDEN');
    expect(codeOf(await analyst.auditEvents({}))).toBe('FORBIDDEN');
    expect(dataOf(await residents.as(admin).verifyAuditLog()).verifyAuditLog.ok).toBe(true);
    expect(codeOf(await steward.verifyAuditLog())).toBe('FORBIDDEN');
  });

  it('stops serving on the next read after a revocation', async () => {
    const revoked = dataOf(await steward.revokeGrant({ id: grantId, reason: 'Hết nhu cầu' }));
    expect(revoked.revokeGrant.active).toBe(false);
    expect(codeOf(await read({ purpose: PURPOSE, first: 1 }))).toBe('FORBIDDEN');
    expect(codeOf(await steward.revokeGrant({ id: grantId, reason: 'lần hai' }))).toBe('CONFLICT');
  });

  it('stops serving when the grant expires', async () => {
    const id = await ask(['district', 'birthYear']);
    const soon = new Date(Date.now() + 1500).toISOString();
    dataOf(await steward.approveAccessRequest({ id, input: { until: soon } }));
    expect(dataOf(await read({ purpose: PURPOSE, first: 1 })).records.edges).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 1700));
    expect(codeOf(await read({ purpose: PURPOSE, first: 1 }))).toBe('FORBIDDEN');
  });

  it('lets the requester withdraw a pending request, and nobody else', async () => {
    const id = await ask(['district']);
    expect(codeOf(await residents.as(like(analystOfTaiChinh, { id: 'other' })).withdrawAccessRequest({ id }))).toBe('NOT_FOUND');
    expect(dataOf(await analyst.withdrawAccessRequest({ id })).withdrawAccessRequest.status).toBe('WITHDRAWN');
    // Withdrawn, the request no longer blocks a new one.
    await ask(['district']);
  });

  it('reads linked records for the purpose of the rows they hang from', async () => {
    const checker = residents.as(like(analystOfTaiChinh, { id: 'thu.le' }));
    const id = await ask(['citizenId', 'district'], checker);
    // The steward lets this analyst see citizen ids in clear, so links on them can resolve.
    dataOf(await steward.approveAccessRequest({ id, input: { masks: [{ field: 'citizenId', strategy: 'CLEAR' }] } }));
    await residents.gw.publishDataset(
      residents.as(publisherOfTaiChinh).token,
      residents.inputOver({
        slug: 'founders',
        title: 'Sáng lập viên',
        description: 'Người sáng lập doanh nghiệp.',
        classification: 'PUBLIC',
        links: [{ field: 'citizenId', dataset, targetField: 'citizenId', as: 'resident' }],
      }),
    );
    const FOUNDERS = 'query($p: String) { data { tai_chinh_founders(first: 30, purpose: $p) { edges { node { citizenId district resident { citizenId district } } } } } }';
    type Founders = { data: { tai_chinh_founders: { edges: { node: { citizenId: string; district: string; resident: { citizenId: string; district: string } | null } }[] } } };
    const withPurpose = dataOf(await checker.gql<Founders>(FOUNDERS, { p: PURPOSE }));
    expect(withPurpose.data.tai_chinh_founders.edges).toHaveLength(30);
    for (const { node } of withPurpose.data.tai_chinh_founders.edges) expect(node.resident).toEqual({ citizenId: node.citizenId, district: node.district });
    const without = await checker.gql<Founders>(FOUNDERS, {});
    expect(without.data!.data.tai_chinh_founders.edges).toHaveLength(30);
    expect(without.data!.data.tai_chinh_founders.edges.every((e) => e.node.resident === null)).toBe(true);
    expect(without.errors).toHaveLength(1);
    expect(without.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });
});
