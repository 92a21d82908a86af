/** Catalogue and identity part of the public schema (API.md). */
export const catalogueTypeDefs = /* GraphQL */ `
  scalar JSON
  scalar DateTime

  enum Role { PUBLISHER ANALYST STEWARD ADMIN }
  enum Classification { PUBLIC INTERNAL RESTRICTED CONFIDENTIAL }
  enum DatasetStatus { DRAFT PUBLISHED DEPRECATED }
  enum SortDirection { ASC DESC }
  enum MaskStrategy {
    REDACT
    PARTIAL
    HASH
    YEAR_ONLY
    "Only in an approval's masks: show this granted field unmasked (PII fields are otherwise masked as declared). Never stored or returned."
    CLEAR
  }

  type Department { code: ID! name: String! nameEn: String }

  type Principal { id: ID! department: Department! roles: [Role!]! }

  type FieldMask { strategy: MaskStrategy! keepStart: Int keepEnd: Int }

  type DatasetField {
    name: String!
    "string, integer, number, boolean, date or datetime"
    type: String!
    nullable: Boolean!
    required: Boolean!
    title: String
    description: String
    pii: Boolean!
    "The mask applied by default when policy masks this field."
    mask: FieldMask
  }

  type DatasetLink { field: String! dataset: ID! targetField: String! as: String! }

  "Which kind of source serves the dataset. Connection options and credentials are never exposed."
  type ConnectorInfo { type: String! }

  "The last check of the dataset's source: does it answer, and do its fields match the record schema?"
  type DatasetHealth { ok: Boolean! checkedAt: DateTime! issues: [String!]! }

  type GrantRef { id: ID! until: DateTime purpose: String }

  "What the caller may read of a dataset, as the policy engine decides it for every read."
  type DatasetAccess {
    canRead: Boolean!
    "Why the caller cannot read, and what to do about it."
    reason: String
    visibleFields: [String!]!
    maskedFields: [String!]!
    hiddenFields: [String!]!
    masks: [GrantMask!]!
    grant: GrantRef
  }

  type Dataset {
    id: ID!
    slug: String!
    title: String!
    titleEn: String
    description: String!
    descriptionEn: String
    department: Department!
    themes: [String!]!
    keywords: [String!]!
    classification: Classification!
    status: DatasetStatus!
    fields: [DatasetField!]!
    recordSchema: JSON!
    links: [DatasetLink!]!
    connector: ConnectorInfo!
    license: String
    contact: String
    updateFrequency: String
    version: Int!
    createdAt: DateTime!
    updatedAt: DateTime!
    publishedAt: DateTime
    deprecatedAt: DateTime
    deprecationReason: String
    "What the caller may read; with a purpose, under the grant for that purpose."
    myAccess(purpose: String): DatasetAccess!
    "Null until the source was first checked (at publication, at start-up, or on demand)."
    health: DatasetHealth
  }

  type DatasetEdge { cursor: String! node: Dataset! }
  type PageInfo { hasNextPage: Boolean! endCursor: String }
  type FacetCount { value: String! count: Int! }
  type DatasetFacets {
    departments: [FacetCount!]!
    themes: [FacetCount!]!
    classifications: [FacetCount!]!
    statuses: [FacetCount!]!
  }
  type DatasetConnection {
    edges: [DatasetEdge!]!
    pageInfo: PageInfo!
    totalCount: Int!
    facets: DatasetFacets!
  }

  "Each list ORs its values; lists AND with each other."
  input DatasetFilter {
    departments: [String!]
    themes: [String!]
    classifications: [Classification!]
    statuses: [DatasetStatus!]
    keywords: [String!]
  }

  input ConnectorInput { type: String! options: JSON! }
  input DatasetLinkInput { field: String! dataset: ID! targetField: String! as: String! }

  input DatasetInput {
    "Admins only: the owning department; others register for the department of their token."
    department: String
    slug: String!
    title: String!
    titleEn: String
    description: String!
    descriptionEn: String
    classification: Classification!
    themes: [String!]
    keywords: [String!]
    recordSchema: JSON!
    connector: ConnectorInput!
    links: [DatasetLinkInput!]
    license: String
    contact: String
    updateFrequency: String
  }

  input DatasetPatch {
    title: String
    titleEn: String
    description: String
    descriptionEn: String
    classification: Classification
    themes: [String!]
    keywords: [String!]
    recordSchema: JSON
    connector: ConnectorInput
    links: [DatasetLinkInput!]
    license: String
    contact: String
    updateFrequency: String
  }

  type Query {
    me: Principal!
    departments: [Department!]!
    datasets(search: String, filter: DatasetFilter, first: Int = 20, after: String): DatasetConnection!
    dataset(id: ID!): Dataset
  }

  type Mutation {
    registerDataset(input: DatasetInput!): Dataset!
    updateDataset(id: ID!, input: DatasetPatch!): Dataset!
    publishDataset(id: ID!): Dataset!
    deprecateDataset(id: ID!, reason: String!): Dataset!
    "Checks the source now (publisher or steward of the owning department, or admin)."
    checkDatasetHealth(id: ID!): DatasetHealth!
  }
`;
