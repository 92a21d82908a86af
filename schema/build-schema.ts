import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { catalogueResolvers } from './catalogue.resolvers.js';
import { catalogueTypeDefs } from './catalogue.graphql.js';
import { recordsResolvers } from './records.resolvers.js';
import { recordsTypeDefs } from './records.graphql.js';

/** The gateway's GraphQL schema. */
export function buildSchema(): GraphQLSchema {
  return makeExecutableSchema({ typeDefs: [catalogueTypeDefs, recordsTypeDefs], resolvers: [catalogueResolvers, recordsResolvers] });
}
