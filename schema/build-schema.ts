import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { SafeIntResolver } from 'graphql-scalars';
import type { CatalogueService } from '../server/catalogue/catalogue-service.js';
import type { Dataset } from '../server/catalogue/dataset.js';
import { catalogueResolvers } from './catalogue.resolvers.js';
import { catalogueTypeDefs } from './catalogue.graphql.js';
import { buildDataSchema } from './data-schema.js';
import { governanceResolvers } from './governance.resolvers.js';
import { governanceTypeDefs } from './governance.graphql.js';
import { recordsResolvers } from './records.resolvers.js';
import { recordsTypeDefs } from './records.graphql.js';

/** The gateway's whole GraphQL schema for a set of published datasets. */
export function buildSchema(published: Dataset[]): GraphQLSchema {
  const data = buildDataSchema(published);
  return makeExecutableSchema({
    typeDefs: [catalogueTypeDefs, recordsTypeDefs, governanceTypeDefs, data.typeDefs],
    resolvers: [catalogueResolvers, recordsResolvers, governanceResolvers, data.resolvers, { SafeInt: SafeIntResolver }],
  });
}

/**
 * Keeps the schema in step with the catalogue without a restart. Each request asks for the
 * current schema and keeps it to the end, so requests in flight finish on the schema they began
 * with. A rebuild happens only when the set of published datasets or one of their versions
 * changed, here or on another replica (seen through the catalogue's search index refresh).
 */
export class LiveSchema {
  private schema: GraphQLSchema | null = null;
  private signature = '';
  private seenGeneration = -1;
  private rebuilding: Promise<void> | null = null;

  constructor(private readonly catalogue: CatalogueService) {}

  async current(): Promise<GraphQLSchema> {
    await this.catalogue.searchIndex.refreshIfStale();
    const generation = this.catalogue.searchIndex.generation;
    if (generation !== this.seenGeneration || !this.schema) {
      this.rebuilding ??= this.rebuild(generation).finally(() => {
        this.rebuilding = null;
      });
      await this.rebuilding;
    }
    return this.schema!;
  }

  private async rebuild(generation: number): Promise<void> {
    const published = await this.catalogue.listPublishedUnchecked();
    const signature = published.map((d) => `${d.id}@${d.version}`).join(',');
    if (signature !== this.signature || !this.schema) {
      this.schema = buildSchema(published);
      this.signature = signature;
    }
    this.seenGeneration = generation;
  }
}
