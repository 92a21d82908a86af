import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { catalogueResolvers } from './catalogue.resolvers.js';
import { catalogueTypeDefs } from './catalogue.graphql.js';

/** The gateway's GraphQL schema. */
export function buildSchema(): GraphQLSchema {
  return makeExecutableSchema({ typeDefs: [catalogueTypeDefs], resolvers: [catalogueResolvers] });
}
