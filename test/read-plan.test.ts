import { describe, expect, it } from 'vitest';
import type { Principal } from '../server/auth/principal.js';
import type { Dataset } from '../server/catalogue/dataset.js';
import { fieldsOf, type RecordSchema } from '../server/catalogue/record-schema.js';
import { DataCursors, type CursorScope } from '../server/data/data-cursor.js';
import { planRead } from '../server/data/read-plan.js';
import { parseReadRequest, type ReadRequest } from '../server/data/read-request.js';
import { maskValue } from '../server/governance/masks.js';
import { decideRead, type Grant } from '../server/governance/policy.js';

/** Unit specs of the pure parts of a read: request parsing, policy decision, plan, masks, cursors. */
const schema: RecordSchema = {
  type: 'object',
  required: ['citizenId', 'fullName', 'district', 'birthYear'],
  properties: {
    citizenId: { type: 'string', 'x-pii': true, 'x-mask': { strategy: 'PARTIAL', keepStart: 3, keepEnd: 3 } },
    fullName: { type: 'string', 'x-pii': true },
    district: { type: 'string' },
    birthYear: { type: 'integer' },
    note: { type: ['string', 'null'] },
  },
};
const dataset = (classification: Dataset['classification']): Dataset => ({
  id: 'cong-an.residents',
  slug: 'residents',
  department: 'cong-an',
  title: 'Dân cư',
  description: 'Cư dân.',
  classification,
  themes: [],
  keywords: [],
  recordSchema: schema,
  fields: fieldsOf(schema),
  connector: { type: 'postgres', options: { table: 'residents', credentials: 'residents-db', keyField: 'citizenId' } },
  links: [],
  status: 'PUBLISHED',
  version: 1,
  createdBy: 'pub',
  createdAt: new Date(),
  updatedAt: new Date(),
});
const owner: Principal = { id: 'officer', department: 'cong-an', roles: ['analyst'] };
const analyst: Principal = { id: 'an', department: 'tai-chinh', roles: ['analyst'] };
const PURPOSE = 'Xác minh người đại diện theo pháp luật';
const grant: Grant = {
  _id: 'grant_1',
  requestId: 'req_1',
  datasetId: 'cong-an.residents',
  datasetDepartment: 'cong-an',
  granteeId: 'an',
  granteeDepartment: 'tai-chinh',
  fields: ['citizenId', 'district', 'birthYear'],
  rowFilter: { district: { eq: 'Quận 1' } },
  masks: [{ field: 'citizenId', strategy: 'PARTIAL', keepStart: 3, keepEnd: 3 }],
  purpose: PURPOSE,
  until: new Date(Date.now() + 86_400_000),
  approvedBy: 'steward',
  createdAt: new Date(),
  active: true,
};
const limits = { maxPageSize: 1000, defaultPageSize: 100 };
const request = (raw: Record<string, unknown> = {}): ReadRequest => parseReadRequest({ dataset: 'cong-an.residents', ...raw }, limits);

describe('parsing a read request', () => {
  it('takes the arguments of any transport into one typed request', () => {
    expect(request({ select: ['district', 'district'], orderBy: [{ field: 'birthYear' }], first: 5, purpose: '  ' })).toEqual({
      dataset: 'cong-an.residents',
      where: null,
      select: ['district'],
      orderBy: [{ field: 'birthYear', direction: 'ASC' }],
      first: 5,
      after: null,
      purpose: null,
    });
  });

  it.each([
    [{ orderBy: [{ field: 'district', direction: 'ASC, (SELECT SLEEP(2))' }] }, 'orderBy.0.direction'],
    [{ orderBy: {} }, 'orderBy'],
    [{ orderBy: 'x' }, 'orderBy'],
    [{ orderBy: [null] }, 'orderBy.0'],
    [{ orderBy: [{ field: 'district', extra: 1 }] }, 'orderBy.0.extra'],
    [{ where: [] }, 'where'],
    [{ where: 'district' }, 'where'],
    [{ select: 'district' }, 'select'],
    [{ select: [1] }, 'select.0'],
    [{ first: -1 }, 'first'],
    [{ first: 1.5 }, 'first'],
    [{ first: 1001 }, 'first'],
    [{ after: 7 }, 'after'],
    [{ purpose: { x: 1 } }, 'purpose'],
    [{ dataset: '../etc' }, 'dataset'],
    [{ nonsense: true }, 'nonsense'],
  ])('refuses %j as BAD_USER_INPUT at %s', (raw, path) => {
    expect(() => request(raw)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT', details: expect.arrayContaining([expect.objectContaining({ path })]) }));
  });
});

describe('the policy decision and the read plan', () => {
  it('lets the owner read everything in clear, ordered by the key last', () => {
    const plan = planRead(dataset('RESTRICTED'), decideRead(owner, dataset('RESTRICTED'), [], null), request({ orderBy: [{ field: 'district', direction: 'DESC' }] }));
    expect(plan.select).toEqual(['citizenId', 'fullName', 'district', 'birthYear', 'note']);
    expect(plan.masks).toEqual([]);
    expect(plan.orderBy).toEqual([
      { field: 'district', direction: 'DESC' },
      { field: 'citizenId', direction: 'ASC' },
    ]);
  });

  it('refuses a RESTRICTED read without a grant, or without naming its purpose, and says what to do', () => {
    const none = decideRead(analyst, dataset('RESTRICTED'), [], null);
    expect(() => planRead(dataset('RESTRICTED'), none, request())).toThrow(expect.objectContaining({ code: 'FORBIDDEN', message: expect.stringContaining('requestAccess') }));
    const unnamed = decideRead(analyst, dataset('RESTRICTED'), [grant], null);
    expect(() => planRead(dataset('RESTRICTED'), unnamed, request())).toThrow(expect.objectContaining({ message: expect.stringContaining('purpose') }));
  });

  it('under a grant: granted fields only, the row filter ANDed in, masks kept', () => {
    const decision = decideRead(analyst, dataset('RESTRICTED'), [grant], PURPOSE);
    const plan = planRead(dataset('RESTRICTED'), decision, request({ where: { birthYear: { gte: 1990 } }, purpose: PURPOSE }));
    expect(plan.select).toEqual(['citizenId', 'district', 'birthYear']);
    expect(plan.where).toEqual({
      kind: 'and',
      items: [
        { kind: 'cmp', field: 'district', op: 'eq', value: 'Quận 1' },
        { kind: 'cmp', field: 'birthYear', op: 'gte', value: 1990 },
      ],
    });
    expect(plan.masks).toEqual([['citizenId', { strategy: 'PARTIAL', keepStart: 3, keepEnd: 3 }]]);
  });

  it('refuses to select hidden fields, or to filter or sort on masked ones', () => {
    const decision = decideRead(analyst, dataset('RESTRICTED'), [grant], PURPOSE);
    const ds = dataset('RESTRICTED');
    expect(() => planRead(ds, decision, request({ select: ['fullName'] }))).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect(() => planRead(ds, decision, request({ where: { citizenId: { startsWith: '079' } } }))).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect(() => planRead(ds, decision, request({ where: { not: { fullName: { eq: 'x' } } } }))).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect(() => planRead(ds, decision, request({ orderBy: [{ field: 'citizenId' }] }))).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
  });

  it('masks PII of INTERNAL datasets for other departments', () => {
    const decision = decideRead(analyst, dataset('INTERNAL'), [], null);
    expect(decision.maskedFields).toEqual(['citizenId', 'fullName']);
    expect(planRead(dataset('INTERNAL'), decision, request()).masks.map(([f]) => f)).toEqual(['citizenId', 'fullName']);
  });

  it('refuses unknown and unsortable fields with paths', () => {
    const decision = decideRead(owner, dataset('RESTRICTED'), [], null);
    expect(() => planRead(dataset('RESTRICTED'), decision, request({ orderBy: [{ field: 'note' }] }))).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
    expect(() => planRead(dataset('RESTRICTED'), decision, request({ orderBy: [{ field: 'nope' }] }))).toThrow(expect.objectContaining({ details: [expect.objectContaining({ path: 'orderBy.0.field' })] }));
    // The filter language's faults are the contract's InvalidRequest; the edges answer them as BAD_USER_INPUT (toAppError).
    expect(() => planRead(dataset('RESTRICTED'), decision, request({ where: { birthYear: { eq: 2 ** 60 } } }))).toThrow(expect.objectContaining({ faults: [expect.objectContaining({ path: 'where.birthYear.eq' })] }));
    expect(() => planRead(dataset('RESTRICTED'), decision, request({ where: { district: { eq: 'Quận\u00001' } } }))).toThrow(expect.objectContaining({ faults: [expect.objectContaining({ path: 'where.district.eq' })] }));
  });
});

describe('masks', () => {
  const secret = 'k'.repeat(32);
  it('PARTIAL keeps at most half of a value in clear, whatever the stored parameters say', () => {
    expect(maskValue('079123456789', { strategy: 'PARTIAL', keepStart: 3, keepEnd: 3 }, secret)).toBe('079******789');
    expect(maskValue('079123456789', { strategy: 'PARTIAL', keepStart: -1, keepEnd: 0 }, secret)).toBe('079*********');
    expect(maskValue('079123456789', { strategy: 'PARTIAL', keepStart: 11, keepEnd: 0 }, secret)).toBe('************');
    expect(maskValue('Nguyễn', { strategy: 'PARTIAL', keepStart: 1, keepEnd: 1 }, secret)).toBe('N****n');
  });

  it('HASH is keyed and stable, YEAR_ONLY keeps the year, REDACT keeps nothing', () => {
    const a = maskValue('079123456789', { strategy: 'HASH' }, secret);
    expect(a).toBe(maskValue('079123456789', { strategy: 'HASH' }, secret));
    expect(a).not.toBe(maskValue('079123456789', { strategy: 'HASH' }, 'x'.repeat(32)));
    expect(maskValue('1990-05-04', { strategy: 'YEAR_ONLY' }, secret)).toBe('1990');
    expect(maskValue('Nguyễn Văn An', { strategy: 'REDACT' }, secret)).toBeNull();
  });
});

describe('data cursors', () => {
  const cursors = new DataCursors('c'.repeat(32));
  const scope: CursorScope = { dataset: 'cong-an.residents', orderBy: [{ field: 'citizenId', direction: 'ASC' }], principal: analyst, grantId: 'grant_1' };

  it('open only for the read that handed them out', () => {
    const cursor = cursors.seal(['079123456789'], scope);
    expect(cursors.open(cursor, scope)).toEqual(['079123456789']);
    const elsewhere: CursorScope[] = [
      { ...scope, dataset: 'tai-chinh.businesses' },
      { ...scope, orderBy: [{ field: 'citizenId', direction: 'DESC' }] },
      { ...scope, principal: { ...analyst, id: 'someone' } },
      { ...scope, principal: { ...analyst, department: 'y-te' } },
      { ...scope, grantId: null },
    ];
    for (const other of elsewhere) expect(() => cursors.open(cursor, other)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
    expect(() => new DataCursors('d'.repeat(32)).open(cursor, scope)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
    expect(() => cursors.open(`${cursor.slice(0, -2)}AA`, scope)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
    expect(() => cursors.open('', scope)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });
});
