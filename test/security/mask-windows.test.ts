import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, startTestGateway, type TestGateway } from '../kit.js';
import { PEOPLE_SCHEMA, peopleRows } from '../sample-rows.js';
import { postgresSource, type TestSource } from '../sources.js';

/**
 * Attack class: masks that add up. One grantee under several grants (and as an INTERNAL reader)
 * must never see more of a value than one PARTIAL window shows, and naming one field's mask in an
 * approval must not unmask the other personal data the dataset declares.
 */
const rows = peopleRows(50);
const SCHEMA = {
  ...PEOPLE_SCHEMA,
  properties: {
    ...PEOPLE_SCHEMA.properties,
    citizenId: { type: 'string', 'x-pii': true, 'x-mask': { strategy: 'PARTIAL', keepStart: 3, keepEnd: 3 } },
    fullName: { type: 'string', 'x-pii': true, 'x-mask': { strategy: 'REDACT' } },
    birthDate: { type: 'string', format: 'date', 'x-pii': true, 'x-mask': { strategy: 'YEAR_ONLY' } },
  },
};
const REQUEST = 'mutation($input: AccessRequestInput!) { requestAccess(input: $input) { id } }';
const APPROVE = 'mutation($id: ID!, $input: ApprovalInput) { approveAccessRequest(id: $id, input: $input) { id masks { field strategy keepStart keepEnd } } }';
const READ = 'query($p: String) { records(dataset: "cong-an.people", purpose: $p, first: 50, select: ["citizenId", "fullName", "birthDate"]) { edges { node } } }';
type Read = { records: { edges: { node: { citizenId: string | null; fullName: string | null; birthDate: string | null } }[] } };

let source: TestSource;
let gw: TestGateway;
let steward: string;

beforeAll(async () => {
  source = await postgresSource(rows);
  gw = await startTestGateway({ env: { SOURCE_CREDENTIALS: JSON.stringify(source.credentials) } });
  steward = gw.token('binh', 'cong-an', ['steward']);
  await gw.publishDataset(gw.token('pub', 'cong-an', ['publisher']), { slug: 'people', title: 'Dân cư', description: 'Thử.', classification: 'INTERNAL', recordSchema: SCHEMA, connector: source.connector });
});

afterAll(async () => {
  await gw?.close();
  await source?.drop();
});

const ask = async (token: string, purpose: string) => {
  const asked = await gw.gql<{ requestAccess: { id: string } }>(REQUEST, { input: { datasetId: 'cong-an.people', fields: ['citizenId', 'fullName', 'birthDate'], purpose, until: new Date(Date.now() + 86_400_000).toISOString() } }, token);
  expect(asked.errors, JSON.stringify(asked.errors)).toBeUndefined();
  return asked.data!.requestAccess.id;
};

/** The positions of a masked value that are in clear, e.g. "079******123" → 0,1,2,9,10,11. */
const clearPositions = (masked: string) => new Set([...masked].flatMap((c, i) => (c === '*' ? [] : [i])));

describe('masks across grants', () => {
  it('refuses a PARTIAL mask outside the field’s window, writing no grant, and keeps every view within it', async () => {
    const analyst = gw.token('combo', 'tai-chinh', ['analyst']);
    const first = await ask(analyst, 'Đối chiếu hồ sơ thuế (đợt 1)');
    for (const mask of [
      { field: 'citizenId', strategy: 'PARTIAL', keepStart: 6, keepEnd: 0 },
      { field: 'citizenId', strategy: 'PARTIAL', keepStart: 0, keepEnd: 6 },
      { field: 'citizenId', strategy: 'PARTIAL', keepStart: 4 },
    ]) {
      const refused = await gw.gql(APPROVE, { id: first, input: { masks: [mask] } }, steward);
      expect(codeOf(refused), JSON.stringify(mask)).toBe('BAD_USER_INPUT');
      expect(refused.errors![0]!.extensions!.details![0]!.path).toMatch(/^input\.masks\.0\.keep(Start|End)$/);
    }
    expect(await gw.access.grants.countDocuments({ requestId: first })).toBe(0);

    // The largest masks the window allows, one at each end, under two purposes.
    const a = await gw.gql<{ approveAccessRequest: { masks: { keepStart: number; keepEnd: number }[] } }>(APPROVE, { id: first, input: { masks: [{ field: 'citizenId', strategy: 'PARTIAL', keepStart: 3, keepEnd: 0 }] } }, steward);
    expect(a.errors).toBeUndefined();
    const second = await ask(analyst, 'Đối chiếu hồ sơ thuế (đợt 2)');
    expect((await gw.gql(APPROVE, { id: second, input: { masks: [{ field: 'citizenId', strategy: 'PARTIAL', keepStart: 0, keepEnd: 3 }] } }, steward)).errors).toBeUndefined();
    const views = await Promise.all(['Đối chiếu hồ sơ thuế (đợt 1)', 'Đối chiếu hồ sơ thuế (đợt 2)', null].map((p) => gw.gql<Read>(READ, { p }, analyst)));
    for (const view of views) expect(view.errors, JSON.stringify(view.errors)).toBeUndefined();
    for (let i = 0; i < rows.length; i++) {
      const seen = new Set(views.flatMap((v) => [...clearPositions(v.data!.records.edges[i]!.node.citizenId!)]));
      const length = rows[0]!.citizenId.length;
      // Together, every view shows at most the window: 3 at the start, 3 at the end.
      expect([...seen].every((p) => p < 3 || p >= length - 3), [...seen].join(',')).toBe(true);
    }
  });

  it('keeps the declared masks of the PII fields an approval does not name', async () => {
    const analyst = gw.token('mai', 'tai-chinh', ['analyst']);
    const id = await ask(analyst, 'Xác minh chủ hộ kinh doanh');
    const approved = await gw.gql<{ approveAccessRequest: { masks: { field: string; strategy: string }[] } }>(APPROVE, { id, input: { masks: [{ field: 'citizenId', strategy: 'HASH' }] } }, steward);
    expect(approved.errors).toBeUndefined();
    expect(approved.data!.approveAccessRequest.masks.map((m) => `${m.field}:${m.strategy}`).sort()).toEqual(['birthDate:YEAR_ONLY', 'citizenId:HASH', 'fullName:REDACT']);
    const read = await gw.gql<Read>(READ, { p: 'Xác minh chủ hộ kinh doanh' }, analyst);
    expect(read.errors).toBeUndefined();
    for (const { node } of read.data!.records.edges) {
      expect(node.fullName).toBeNull();
      expect(node.birthDate).toMatch(/^\d{4}$/);
      expect(node.citizenId).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it('shows a field unmasked only where the approval says CLEAR for it', async () => {
    const analyst = gw.token('thu', 'tai-chinh', ['analyst']);
    const id = await ask(analyst, 'Đối soát danh tính người nộp thuế');
    const approved = await gw.gql<{ approveAccessRequest: { masks: { field: string }[] } }>(APPROVE, { id, input: { masks: [{ field: 'citizenId', strategy: 'CLEAR' }] } }, steward);
    expect(approved.errors).toBeUndefined();
    expect(approved.data!.approveAccessRequest.masks.map((m) => m.field).sort()).toEqual(['birthDate', 'fullName']);
    const read = await gw.gql<Read>(READ, { p: 'Đối soát danh tính người nộp thuế' }, analyst);
    expect(read.data!.records.edges.map((e) => e.node.citizenId).sort()).toEqual(rows.map((r) => r.citizenId).sort());
    expect(read.data!.records.edges.every((e) => e.node.fullName === null)).toBe(true);
  });

  it('refuses YEAR_ONLY on anything but a date, at approval and in a record schema', async () => {
    const analyst = gw.token('hoa', 'tai-chinh', ['analyst']);
    const id = await ask(analyst, 'Kiểm tra năm sinh người nộp thuế');
    for (const field of ['citizenId', 'fullName']) {
      const refused = await gw.gql(APPROVE, { id, input: { masks: [{ field, strategy: 'YEAR_ONLY' }] } }, steward);
      expect(codeOf(refused), field).toBe('BAD_USER_INPUT');
      expect(refused.errors![0]!.extensions!.details![0]!.path).toBe('input.masks.0.strategy');
    }
    expect(await gw.access.grants.countDocuments({ requestId: id })).toBe(0);
    const recordSchema = { ...SCHEMA, properties: { ...SCHEMA.properties, fullName: { type: 'string', 'x-pii': true, 'x-mask': { strategy: 'YEAR_ONLY' } } } };
    const registered = await gw.gql('mutation($input: DatasetInput!) { registerDataset(input: $input) { id } }', { input: { slug: 'people-years', title: 'Năm', description: 'Thử.', classification: 'INTERNAL', recordSchema, connector: source.connector } }, gw.token('pub', 'cong-an', ['publisher']));
    expect(codeOf(registered)).toBe('BAD_USER_INPUT');
    expect(registered.errors![0]!.extensions!.details!.map((d) => d.path)).toContain('input.recordSchema.properties.fullName.x-mask.strategy');
  });

  it('refuses naming one field twice, or a field not granted', async () => {
    const analyst = gw.token('lan', 'tai-chinh', ['analyst']);
    const id = await ask(analyst, 'Kiểm tra hồ sơ trùng lặp');
    const twice = await gw.gql(APPROVE, { id, input: { masks: [{ field: 'citizenId', strategy: 'HASH' }, { field: 'citizenId', strategy: 'CLEAR' }] } }, steward);
    expect(codeOf(twice)).toBe('BAD_USER_INPUT');
    expect(twice.errors![0]!.extensions!.details![0]!.path).toBe('input.masks.1.field');
    const other = await gw.gql(APPROVE, { id, input: { fields: ['citizenId'], masks: [{ field: 'fullName', strategy: 'CLEAR' }] } }, steward);
    expect(codeOf(other)).toBe('BAD_USER_INPUT');
    expect(await gw.access.grants.countDocuments({ requestId: id })).toBe(0);
  });
});
