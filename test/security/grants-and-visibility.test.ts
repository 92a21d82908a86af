import { beforeAll, describe, expect, it } from 'vitest';
import { codeOf, dataOf, pathsOf } from '../kit.js';
import { analystOfTaiChinh, like, publisherOfCongAn, stewardOfCongAn, stewardOfYTe } from '../kit/personas.js';
import { withPublishedSource } from '../kit/stories.js';
import { peopleRows } from '../sample-rows.js';

/**
 * Attack class 9 (governance): a steward's mask cannot be widened by its parameters, a grant is
 * the grantee's as a member of their department, and a hidden draft answers like a missing id.
 */
const PURPOSE = 'Kiểm tra hồ sơ đăng ký kinh doanh';
const residents = withPublishedSource(peopleRows(30), 'RESTRICTED', { slug: 'residents' });
const dataset = residents.datasetId;
const steward = residents.as(stewardOfCongAn);
const analyst = residents.as(analystOfTaiChinh);
// The same sub in another department is someone else.
const impostor = residents.as(like(analystOfTaiChinh, { department: 'y-te' }));
const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString();
let requestId: string;

beforeAll(async () => {
  // A draft of Công an that nobody else may know of, and a request of Sở Tài chính's analyst.
  dataOf(await residents.as(publisherOfCongAn).registerDataset({ input: residents.inputOver({ slug: 'secret-draft', title: 'Nháp' }) }));
  requestId = dataOf(await analyst.requestAccess({ input: { datasetId: dataset, fields: ['citizenId', 'district'], purpose: PURPOSE, until: tomorrow() } })).requestAccess.id;
});

describe('grants and visibility', () => {

  it('refuses mask parameters that would show more than the mask hides, and writes no grant', async () => {
    for (const mask of [
      { field: 'citizenId', strategy: 'PARTIAL', keepStart: -1 },
      { field: 'citizenId', strategy: 'PARTIAL', keepEnd: -3 },
      { field: 'citizenId', strategy: 'PARTIAL', keepStart: 100 },
      { field: 'citizenId', strategy: 'REDACT', keepStart: 2 },
    ]) {
      const result = await steward.approveAccessRequest({ id: requestId, input: { masks: [mask] } });
      expect(codeOf(result), JSON.stringify(mask)).toBe('BAD_USER_INPUT');
      expect(pathsOf(result)[0]).toMatch(/^input\.masks\.0\.keep(Start|End)$/);
    }
    expect(await residents.gw.access.grants.countDocuments({ requestId })).toBe(0);
    expect((await residents.gw.access.requests.findOne({ _id: requestId }))!.status).toBe('PENDING');
  });

  it('binds a grant to the grantee’s sub and department', async () => {
    dataOf(await steward.approveAccessRequest({ id: requestId, input: { masks: [{ field: 'citizenId', strategy: 'PARTIAL', keepStart: 3, keepEnd: 3 }] } }));
    const own = dataOf(await analyst.records({ dataset, first: 5, purpose: PURPOSE }));
    expect(own.records.edges[0]!.node['citizenId']).toMatch(/^\d{3}\*+\d{3}$/);
    const events = await residents.gw.auditLog.events.countDocuments({ action: 'data.read' });
    // No grant, no rows, no read recorded.
    const result = await impostor.records({ dataset, first: 5, purpose: PURPOSE });
    expect(codeOf(result)).toBe('FORBIDDEN');
    expect(result.data?.records ?? null).toBeNull();
    expect(await residents.gw.auditLog.events.countDocuments({ action: 'data.read' })).toBe(events);
  });

  it('keeps requests and grants to the requester as a member of their department', async () => {
    expect(dataOf(await impostor.accessRequests()).accessRequests.edges).toEqual([]);
    expect(dataOf(await impostor.grants()).grants.edges).toEqual([]);
    // A pending request of the real requester can neither be withdrawn by nor block the same sub elsewhere.
    const id = dataOf(await analyst.requestAccess({ input: { datasetId: dataset, fields: ['district'], purpose: 'Thống kê dân cư theo quận', until: tomorrow() } })).requestAccess.id;
    expect(codeOf(await impostor.withdrawAccessRequest({ id }))).toBe('NOT_FOUND');
    expect((await residents.gw.access.requests.findOne({ _id: id }))!.status).toBe('PENDING');
    const own = await impostor.requestAccess({ input: { datasetId: dataset, fields: ['district'], purpose: 'Thống kê cơ sở y tế theo quận', until: tomorrow() } });
    expect(own.errors).toBeUndefined();
    expect(JSON.stringify(own)).not.toContain(id);
  });

  it('refuses reads past a daily quota before asking the source, saying nothing of what they match', async () => {
    const quoted = residents.as(like(analystOfTaiChinh, { id: 'quota' }));
    const purpose = 'Đối soát thuế theo quận';
    const asked = dataOf(await quoted.requestAccess({ input: { datasetId: dataset, fields: ['district', 'birthYear'], purpose, until: tomorrow() } }));
    dataOf(await steward.approveAccessRequest({ id: asked.requestAccess.id, input: { maxRows: 5 } }));
    const read = (where: Record<string, unknown>, first: number) => quoted.records({ dataset, where, first, purpose });
    const queries = () => residents.gw.records.sourceQueries.get(dataset) ?? 0;
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
    const foreignSteward = residents.as(like(stewardOfYTe, { roles: ['steward', 'analyst'] }));
    const answer = async (query: string, variables: Record<string, unknown>) => {
      const result = await foreignSteward.gql(query, variables);
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
    const exportOf = (id: string) => fetch(`${residents.gw.base}/export/${id}.ndjson`, { headers: { authorization: `Bearer ${foreignSteward.token}` } }).then((r) => r.status);
    expect(await exportOf('cong-an.secret-draft')).toBe(await exportOf('cong-an.no-such'));
  });
});
