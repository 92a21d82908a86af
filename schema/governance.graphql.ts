/** Access requests, grants and the audit trail (API.md). */
export const governanceTypeDefs = /* GraphQL */ `
  enum AccessRequestStatus { PENDING APPROVED REJECTED WITHDRAWN }

  type DatasetRef { id: ID! title: String }
  type PrincipalRef { id: ID! department: Department! }
  type GrantMask { field: String! strategy: MaskStrategy! keepStart: Int keepEnd: Int }

  type AccessRequest {
    id: ID!
    dataset: DatasetRef!
    requester: PrincipalRef!
    fields: [String!]!
    purpose: String!
    justification: String
    until: DateTime!
    status: AccessRequestStatus!
    createdAt: DateTime!
    decidedBy: ID
    decidedAt: DateTime
    reason: String
    grant: Grant
  }

  type Grant {
    id: ID!
    dataset: DatasetRef!
    grantee: PrincipalRef!
    fields: [String!]!
    rowFilter: JSON
    masks: [GrantMask!]!
    purpose: String!
    until: DateTime!
    "Rows per day; null means no quota."
    maxRows: Int
    note: String
    approvedBy: ID!
    createdAt: DateTime!
    revokedAt: DateTime
    revokedBy: ID
    revokeReason: String
    "In force now: not revoked and not expired."
    active: Boolean!
  }

  type AccessRequestEdge { cursor: String! node: AccessRequest! }
  type AccessRequestConnection { edges: [AccessRequestEdge!]! pageInfo: PageInfo! }
  type GrantEdge { cursor: String! node: Grant! }
  type GrantConnection { edges: [GrantEdge!]! pageInfo: PageInfo! }

  type AuditEvent {
    id: ID!
    seq: Int!
    at: DateTime!
    actor: PrincipalRef!
    action: String!
    datasetId: ID
    fields: [String!]
    purpose: String
    grantId: ID
    rowCount: Int
    queryHash: String
    detail: JSON
    prevHash: String!
    hash: String!
  }
  type AuditEventEdge { cursor: String! node: AuditEvent! }
  type AuditEventConnection { edges: [AuditEventEdge!]! pageInfo: PageInfo! }
  """
  Link n is broken when event n is missing, when its prevHash is not the stored hash of event n-1,
  or when its keyed hash does not match its content.
  """
  type AuditVerification {
    ok: Boolean!
    "Events read."
    checked: Int!
    firstBrokenSeq: Int
    "Every broken link, counted over the whole chain."
    brokenCount: Int!
    "The first 100 broken links, ascending."
    brokenSeqs: [Int!]!
  }

  input AccessRequestInput { datasetId: ID! fields: [String!]! purpose: String! justification: String until: DateTime! }
  input MaskInput { field: String! strategy: MaskStrategy! keepStart: Int keepEnd: Int }
  input ApprovalInput { fields: [String!] rowFilter: JSON masks: [MaskInput!] until: DateTime maxRows: Int note: String }

  extend type Query {
    "A steward sees the requests for the department's datasets, an analyst their own, an admin all."
    accessRequests(status: AccessRequestStatus, datasetId: ID, first: Int = 20, after: String): AccessRequestConnection!
    grants(datasetId: ID, active: Boolean, first: Int = 20, after: String): GrantConnection!
    "Stewards: events about their department's datasets; admins: all. Newest first."
    auditEvents(datasetId: ID, actor: ID, first: Int = 50, after: String): AuditEventConnection!
    "Admins: walks the whole chain, past any break, and names every broken link (the first 100 of them) and how many there are."
    verifyAuditLog: AuditVerification!
  }

  extend type Mutation {
    requestAccess(input: AccessRequestInput!): AccessRequest!
    approveAccessRequest(id: ID!, input: ApprovalInput): Grant!
    rejectAccessRequest(id: ID!, reason: String!): AccessRequest!
    withdrawAccessRequest(id: ID!): AccessRequest!
    revokeGrant(id: ID!, reason: String!): Grant!
  }
`;
