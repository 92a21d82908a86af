import type { Dataset } from '../../server/catalogue/dataset.js';
import { fieldsOf, type RecordSchema } from '../../server/catalogue/record-schema.js';
import type { Grant } from '../../server/governance/policy.js';
import { analystOfTaiChinh } from './personas.js';

/**
 * Catalogue entries as the domain services hold them, for unit specs that run without servers:
 * Công an's residents dataset and a grant of it to Sở Tài chính's analyst.
 */
export const RESIDENTS_SCHEMA: RecordSchema = {
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

export const residentsDataset = (classification: Dataset['classification'], changes: Partial<Dataset> = {}): Dataset => ({
  id: 'cong-an.residents',
  slug: 'residents',
  department: 'cong-an',
  title: 'Dân cư',
  description: 'Cư dân.',
  classification,
  themes: [],
  keywords: [],
  recordSchema: RESIDENTS_SCHEMA,
  fields: fieldsOf(RESIDENTS_SCHEMA),
  connector: { type: 'postgres', options: { table: 'residents', credentials: 'residents-db', keyField: 'citizenId' } },
  links: [],
  status: 'PUBLISHED',
  version: 1,
  createdBy: 'pub',
  createdAt: new Date(),
  updatedAt: new Date(),
  ...changes,
});

export const GRANT_PURPOSE = 'Xác minh người đại diện theo pháp luật';

/** What Công an's steward approved for Sở Tài chính's analyst: three fields, one district, ids masked. */
export const residentsGrant = (changes: Partial<Grant> = {}): Grant => ({
  _id: 'grant_1',
  requestId: 'req_1',
  datasetId: 'cong-an.residents',
  datasetDepartment: 'cong-an',
  granteeId: analystOfTaiChinh.id,
  granteeDepartment: analystOfTaiChinh.department,
  fields: ['citizenId', 'district', 'birthYear'],
  rowFilter: { district: { eq: 'Quận 1' } },
  masks: [{ field: 'citizenId', strategy: 'PARTIAL', keepStart: 3, keepEnd: 3 }],
  purpose: GRANT_PURPOSE,
  until: new Date(Date.now() + 86_400_000),
  approvedBy: 'steward',
  createdAt: new Date(),
  active: true,
  ...changes,
});
