import { InvalidRequest } from '../connectors/errors.js';
import { describe, expect, it } from 'vitest';
import { decideRead } from '../server/governance/policy.js';
import { GRANT_PURPOSE, residentsDataset, residentsGrant } from './kit/catalogue-entries.js';
import { admin, analystOfTaiChinh, like, officerOfCongAn, stewardOfCongAn } from './kit/personas.js';

/**
 * Unit specs of the policy engine: one decision per caller, dataset, grants and purpose, the same
 * one every read path and myAccess use. The read plan built on it is specified in read-plan.test.ts.
 */
const ALL = ['citizenId', 'fullName', 'district', 'birthYear', 'note'];
const open = { canRead: true, visibleFields: ALL, masks: {}, maskedFields: [], hiddenFields: [], rowFilter: null, grant: null };

describe('who reads in full', () => {
  it('anyone of the owning department, whatever the classification and role', () => {
    for (const classification of ['PUBLIC', 'INTERNAL', 'RESTRICTED', 'CONFIDENTIAL'] as const) {
      for (const who of [officerOfCongAn, stewardOfCongAn, like(officerOfCongAn, { roles: ['publisher'] })]) {
        expect(decideRead(who, residentsDataset(classification), [], null), `${who.id} ${classification}`).toEqual({ ...open, purpose: null });
      }
    }
  });

  it('everyone for a PUBLIC dataset, a grant and a purpose changing nothing', () => {
    expect(decideRead(analystOfTaiChinh, residentsDataset('PUBLIC'), [residentsGrant()], GRANT_PURPOSE)).toEqual({ ...open, purpose: GRANT_PURPOSE });
  });

  it('nobody else for being an admin: the platform’s administrator has no data of their own', () => {
    expect(decideRead(admin, residentsDataset('RESTRICTED'), [], null).canRead).toBe(false);
  });
});

describe('INTERNAL without a grant', () => {
  it('shows every field to other departments, PII masked with its declared mask or else REDACT', () => {
    const decision = decideRead(analystOfTaiChinh, residentsDataset('INTERNAL'), [], null);
    expect(decision).toMatchObject({ canRead: true, visibleFields: ALL, hiddenFields: [], maskedFields: ['citizenId', 'fullName'], rowFilter: null, grant: null });
    expect(decision.masks).toEqual({ citizenId: { strategy: 'PARTIAL', keepStart: 3, keepEnd: 3 }, fullName: { strategy: 'REDACT' } });
  });
});

describe('under a grant', () => {
  it('applies when the read names its purpose: granted fields in dataset order, its masks, its row filter parsed', () => {
    const grant = residentsGrant({ fields: ['birthYear', 'citizenId', 'district'] });
    const decision = decideRead(analystOfTaiChinh, residentsDataset('RESTRICTED'), [grant], GRANT_PURPOSE);
    expect(decision).toEqual({
      canRead: true,
      visibleFields: ['citizenId', 'district', 'birthYear'],
      masks: { citizenId: { strategy: 'PARTIAL', keepStart: 3, keepEnd: 3 } },
      maskedFields: ['citizenId'],
      hiddenFields: ['fullName', 'note'],
      rowFilter: { kind: 'cmp', field: 'district', op: 'eq', value: 'Quận 1' },
      grant,
      purpose: GRANT_PURPOSE,
    });
  });

  it('uses the grant of the purpose named, among several', () => {
    const other = residentsGrant({ _id: 'grant_2', purpose: 'Thống kê', fields: ['district'], rowFilter: null, masks: [] });
    const decision = decideRead(analystOfTaiChinh, residentsDataset('CONFIDENTIAL'), [residentsGrant(), other], 'Thống kê');
    expect(decision).toMatchObject({ canRead: true, visibleFields: ['district'], maskedFields: [], rowFilter: null, grant: { _id: 'grant_2' } });
  });

  it('masks nothing the grant does not show: a mask on a field outside the grant is not listed', () => {
    const grant = residentsGrant({ masks: [{ field: 'fullName', strategy: 'REDACT' }] });
    const decision = decideRead(analystOfTaiChinh, residentsDataset('RESTRICTED'), [grant], GRANT_PURPOSE);
    expect(decision.maskedFields).toEqual([]);
    expect(decision.visibleFields).not.toContain('fullName');
  });

  it('takes precedence over the INTERNAL default, narrowing it', () => {
    const decision = decideRead(analystOfTaiChinh, residentsDataset('INTERNAL'), [residentsGrant({ masks: [] })], GRANT_PURPOSE);
    expect(decision).toMatchObject({ visibleFields: ['citizenId', 'district', 'birthYear'], maskedFields: [], hiddenFields: ['fullName', 'note'] });
  });

  it('refuses a grant whose stored row filter names a field the dataset no longer has', () => {
    const grant = residentsGrant({ rowFilter: { ward: { eq: 'Phường 1' } } });
    expect(() => decideRead(analystOfTaiChinh, residentsDataset('RESTRICTED'), [grant], GRANT_PURPOSE)).toThrow(InvalidRequest);
  });
});

describe('refusals say what to do, and show nothing', () => {
  const refused = { canRead: false, visibleFields: [], masks: {}, maskedFields: [], hiddenFields: ALL, rowFilter: null, grant: null, purpose: null };

  it('RESTRICTED and CONFIDENTIAL without a grant: ask with requestAccess, a steward of the owner decides', () => {
    for (const classification of ['RESTRICTED', 'CONFIDENTIAL'] as const) {
      const decision = decideRead(analystOfTaiChinh, residentsDataset(classification), [], null);
      expect(decision).toMatchObject(refused);
      expect(decision.reason).toContain(`cong-an.residents is ${classification}: reading it needs a grant`);
      expect(decision.reason).toContain('requestAccess(input: { datasetId: "cong-an.residents"');
      expect(decision.reason).toContain('a steward of cong-an decides');
    }
  });

  it('a grant but no purpose named: name it, listing the purposes of the grants held', () => {
    const decision = decideRead(analystOfTaiChinh, residentsDataset('RESTRICTED'), [residentsGrant(), residentsGrant({ purpose: 'Thống kê' })], null);
    expect(decision).toMatchObject(refused);
    expect(decision.reason).toBe(`cong-an.residents is RESTRICTED: name the purpose of your grant in \`purpose\` (your grants are for: "${GRANT_PURPOSE}", "Thống kê").`);
  });

  it('a purpose no grant is for: says which purposes the grants are for, and how to ask for another', () => {
    const decision = decideRead(analystOfTaiChinh, residentsDataset('RESTRICTED'), [residentsGrant()], 'Tuyển dụng');
    expect(decision).toMatchObject(refused);
    expect(decision.reason).toContain(`none of your grants is for the purpose "Tuyển dụng" (they are for: "${GRANT_PURPOSE}")`);
    expect(decision.reason).toContain('requestAccess');
  });

  it('a purpose but no grant at all: as without a purpose', () => {
    expect(decideRead(analystOfTaiChinh, residentsDataset('RESTRICTED'), [], GRANT_PURPOSE).reason).toBe(decideRead(analystOfTaiChinh, residentsDataset('RESTRICTED'), [], null).reason);
  });
});
