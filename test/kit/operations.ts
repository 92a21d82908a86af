import type { AuditVerification } from '../../server/audit/audit-log.js';

/**
 * The GraphQL operations of the public API (API.md), named once for every test. Each selects what
 * any story asserts on, so a test names the operation and its variables and never writes the
 * document again. Tests about the document itself (literals, operation names, limits, ill-formed
 * text) still write their own.
 */

/** A document with the types of its variables and of its data, known to the typed helpers. */
export interface Operation<Variables, Data> {
  readonly document: string;
  /** Phantom members: they carry the types, never a value. */
  readonly variables?: Variables;
  readonly data?: Data;
}

function operation<Variables, Data>(document: string): Operation<Variables, Data> {
  return { document };
}

type Json = Record<string, unknown>;
type Connection<Node> = { edges: { cursor: string; node: Node }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
type Facets = Record<'departments' | 'themes' | 'classifications' | 'statuses', { value: string; count: number }[]>;

export interface DatasetField {
  name: string;
  type: string;
  pii: boolean;
  nullable: boolean;
}
export interface DatasetHealth {
  ok: boolean;
  issues: string[];
}
export interface DatasetAccess {
  canRead: boolean;
  reason: string | null;
  visibleFields: string[];
  maskedFields: string[];
  hiddenFields: string[];
  grant: { id: string } | null;
}
export interface DatasetNode {
  id: string;
  title: string;
  status: string;
  classification: string;
  version: number;
  department: { code: string };
  fields: DatasetField[];
}
export interface AccessRequestNode {
  id: string;
  status: string;
  fields: string[];
  purpose: string;
  dataset: { id: string };
  requester: { id: string; department: { code: string } };
}
export interface GrantNode {
  id: string;
  fields: string[];
  masks: { field: string; strategy: string; keepStart: number | null; keepEnd: number | null }[];
  rowFilter: unknown;
  maxRows: number | null;
  until: string;
  purpose: string;
  active: boolean;
  revokedAt: string | null;
}
export interface AuditEventNode {
  seq: number;
  action: string;
  actor: { id: string };
  datasetId: string | null;
  purpose: string | null;
  grantId: string | null;
  rowCount: number | null;
  fields: string[] | null;
  queryHash: string | null;
}

export type AccessRequestInput = {
  datasetId: string;
  fields: string[];
  purpose: string;
  justification?: string;
  until: string;
};
export type ApprovalInput = {
  fields?: string[];
  rowFilter?: unknown;
  masks?: Json[];
  until?: string;
  maxRows?: number;
  note?: string;
};
export type RecordsVariables = {
  dataset: string;
  where?: unknown;
  select?: unknown;
  orderBy?: unknown;
  first?: unknown;
  after?: unknown;
  purpose?: string;
};

const DATASET = 'id title status classification version department { code } fields { name type pii nullable }';
const GRANT = 'id fields masks { field strategy keepStart keepEnd } rowFilter maxRows until purpose active revokedAt';
const ACCESS = 'canRead reason visibleFields maskedFields hiddenFields grant { id }';

export const operations = {
  me: operation<Json, { me: { id: string; department: { code: string; name: string }; roles: string[] } }>(
    'query Me { me { id department { code name } roles } }',
  ),
  departments: operation<Json, { departments: { code: string; name: string }[] }>('query Departments { departments { code name } }'),
  searchDatasets: operation<
    { search?: string; filter?: Json; first?: number; after?: string | null },
    { datasets: Connection<{ id: string; title: string; myAccess: { canRead: boolean; reason: string | null } }> & { totalCount: number; facets: Facets } }
  >(`query SearchDatasets($search: String, $filter: DatasetFilter, $first: Int, $after: String) {
    datasets(search: $search, filter: $filter, first: $first, after: $after) {
      totalCount
      edges { cursor node { id title myAccess { canRead reason } } }
      pageInfo { hasNextPage endCursor }
      facets { departments { value count } themes { value count } classifications { value count } statuses { value count } }
    }
  }`),
  dataset: operation<{ id: string; purpose?: string }, { dataset: (DatasetNode & { health: DatasetHealth | null; myAccess: DatasetAccess }) | null }>(
    `query Dataset($id: ID!, $purpose: String) { dataset(id: $id) { ${DATASET} health { ok issues } myAccess(purpose: $purpose) { ${ACCESS} } } }`,
  ),
  registerDataset: operation<{ input: Json }, { registerDataset: DatasetNode }>(
    `mutation RegisterDataset($input: DatasetInput!) { registerDataset(input: $input) { ${DATASET} } }`,
  ),
  updateDataset: operation<{ id: string; input: Json }, { updateDataset: DatasetNode }>(
    `mutation UpdateDataset($id: ID!, $input: DatasetPatch!) { updateDataset(id: $id, input: $input) { ${DATASET} } }`,
  ),
  publishDataset: operation<{ id: string }, { publishDataset: { id: string; status: string; health: DatasetHealth | null } }>(
    'mutation PublishDataset($id: ID!) { publishDataset(id: $id) { id status health { ok issues } } }',
  ),
  deprecateDataset: operation<{ id: string; reason: string }, { deprecateDataset: { id: string; status: string; deprecationReason: string | null } }>(
    'mutation DeprecateDataset($id: ID!, $reason: String!) { deprecateDataset(id: $id, reason: $reason) { id status deprecationReason } }',
  ),
  checkDatasetHealth: operation<{ id: string }, { checkDatasetHealth: DatasetHealth }>(
    'mutation CheckDatasetHealth($id: ID!) { checkDatasetHealth(id: $id) { ok issues } }',
  ),
  requestAccess: operation<{ input: AccessRequestInput }, { requestAccess: AccessRequestNode }>(
    'mutation RequestAccess($input: AccessRequestInput!) { requestAccess(input: $input) { id status fields purpose dataset { id } requester { id department { code } } } }',
  ),
  approveAccessRequest: operation<{ id: string; input?: ApprovalInput }, { approveAccessRequest: GrantNode }>(
    `mutation ApproveAccessRequest($id: ID!, $input: ApprovalInput) { approveAccessRequest(id: $id, input: $input) { ${GRANT} } }`,
  ),
  rejectAccessRequest: operation<{ id: string; reason: string }, { rejectAccessRequest: { id: string; status: string } }>(
    'mutation RejectAccessRequest($id: ID!, $reason: String!) { rejectAccessRequest(id: $id, reason: $reason) { id status } }',
  ),
  withdrawAccessRequest: operation<{ id: string }, { withdrawAccessRequest: { id: string; status: string } }>(
    'mutation WithdrawAccessRequest($id: ID!) { withdrawAccessRequest(id: $id) { id status } }',
  ),
  revokeGrant: operation<{ id: string; reason: string }, { revokeGrant: GrantNode }>(
    `mutation RevokeGrant($id: ID!, $reason: String!) { revokeGrant(id: $id, reason: $reason) { ${GRANT} } }`,
  ),
  accessRequests: operation<{ datasetId?: string; status?: string }, { accessRequests: Connection<{ id: string; status: string }> }>(
    'query AccessRequests($datasetId: ID, $status: AccessRequestStatus) { accessRequests(datasetId: $datasetId, status: $status) { edges { cursor node { id status } } pageInfo { hasNextPage endCursor } } }',
  ),
  grants: operation<{ datasetId?: string; active?: boolean }, { grants: Connection<{ id: string; active: boolean }> }>(
    'query Grants($datasetId: ID, $active: Boolean) { grants(datasetId: $datasetId, active: $active) { edges { cursor node { id active } } pageInfo { hasNextPage endCursor } } }',
  ),
  records: operation<RecordsVariables, { records: Connection<Json> & { maskedFields: string[] } }>(
    `query Records($dataset: ID!, $where: JSON, $select: [String!], $orderBy: [OrderBy!], $first: Int, $after: String, $purpose: String) {
    records(dataset: $dataset, where: $where, select: $select, orderBy: $orderBy, first: $first, after: $after, purpose: $purpose) {
      edges { cursor node }
      pageInfo { hasNextPage endCursor }
      maskedFields
    }
  }`,
  ),
  auditEvents: operation<{ datasetId?: string; actor?: string; first?: number }, { auditEvents: Connection<AuditEventNode> }>(
    'query AuditEvents($datasetId: ID, $actor: ID, $first: Int) { auditEvents(datasetId: $datasetId, actor: $actor, first: $first) { edges { cursor node { seq action actor { id } datasetId purpose grantId rowCount fields queryHash } } pageInfo { hasNextPage endCursor } } }',
  ),
  verifyAuditLog: operation<Json, { verifyAuditLog: AuditVerification }>('query VerifyAuditLog { verifyAuditLog { ok checked firstBrokenSeq brokenCount brokenSeqs } }'),
};

export type Operations = typeof operations;
export type OperationName = keyof Operations;
export type VariablesOf<N extends OperationName> = NonNullable<Operations[N]['variables']>;
export type DataOf<N extends OperationName> = NonNullable<Operations[N]['data']>;
