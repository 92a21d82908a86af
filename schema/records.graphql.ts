/** Data reads over any connector (API.md: records). */
export const recordsTypeDefs = /* GraphQL */ `
  input OrderBy { field: String!, direction: SortDirection = ASC }

  type RecordEdge { cursor: String! node: JSON! }
  type RecordConnection {
    edges: [RecordEdge!]!
    pageInfo: PageInfo!
    "Fields whose values are masked for this caller."
    maskedFields: [String!]!
  }

  extend type Query {
    "Rows of a dataset, filtered with the portable filter language (API.md), at most 1000 a page."
    records(dataset: ID!, where: JSON, select: [String!], orderBy: [OrderBy!], first: Int = 100, after: String, purpose: String): RecordConnection!
  }
`;
