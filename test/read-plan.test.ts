import { describe, expect, it } from 'vitest';
import type { Principal } from '../server/auth/principal.js';
import type { Dataset } from '../server/catalogue/dataset.js';
import { DataCursors, type CursorScope } from '../server/data/data-cursor.js';
import { planRead } from '../server/data/read-plan.js';
import { parseReadRequest, type ReadRequest } from '../server/data/read-request.js';
import { decideRead, type Grant } from '../server/governance/policy.js';
import { GRANT_PURPOSE, residentsDataset, residentsGrant } from './kit/catalogue-entries.js';
import { analystOfTaiChinh, officerOfCongAn } from './kit/personas.js';

/** Unit specs of the pure parts of a read: request parsing, policy decision, plan, cursors. */
const dataset = (classification: Dataset['classification']): Dataset => residentsDataset(classification);
const owner: Principal = officerOfCongAn;
const analyst: Principal = analystOfTaiChinh;
const PURPOSE = GRANT_PURPOSE;
const grant: Grant = residentsGrant();
const limits = { maxPageSize: 1000, defaultPageSize: 100 };
const request = (raw: Record<string, unknown> = {}): ReadRequest => parseReadRequest({ dataset: 'cong-an.residents', ...raw }, limits);

describe('parsing a read request', () => {
  it('takes the arguments of any transport into one typed request', () => {
    expect(request({ select: ['district', 'district'], orderBy: [{ field: 'birthYear' }], first: 5, purpose: '  ' })).toEqual({
      dataset: 'cong-an.residents',
      where: null,
      select: ['district'],
      wanted: null,
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

  it('reads of a typed query only the fields it uses that the caller may see, leaving the others out', () => {
    const decision = decideRead(analyst, dataset('RESTRICTED'), [grant], PURPOSE);
    const ds = dataset('RESTRICTED');
    const plan = planRead(ds, decision, request({ wanted: ['district', 'fullName'], purpose: PURPOSE }));
    expect(plan.select).toEqual(decision.visibleFields.filter((f) => f === 'district'));
    expect(plan.fetchFields).not.toContain('fullName');
    // Nothing it may see: every field it may see, as without a selection.
    expect(planRead(ds, decision, request({ wanted: ['fullName'], purpose: PURPOSE })).select).toEqual(decision.visibleFields);
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
