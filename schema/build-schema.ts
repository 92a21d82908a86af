import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { SafeIntResolver } from 'graphql-scalars';
import type { CatalogueService } from '../server/catalogue/catalogue-service.js';
import type { Dataset } from '../server/catalogue/dataset.js';
import type { Logger } from '../server/logger.js';
import { catalogueResolvers } from './catalogue.resolvers.js';
import { catalogueTypeDefs } from './catalogue.graphql.js';
import { buildDataSchema } from './data-schema.js';
import { governanceResolvers } from './governance.resolvers.js';
import { governanceTypeDefs } from './governance.graphql.js';
import { recordsResolvers } from './records.resolvers.js';
import { recordsTypeDefs } from './records.graphql.js';

/** The gateway's whole GraphQL schema for a set of published datasets. */
function buildSchema(published: Dataset[]): GraphQLSchema {
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

  constructor(
    private readonly catalogue: CatalogueService,
    private readonly maxDatasets: number,
    private readonly logger: Logger,
  ) {}

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
    // A GraphQL schema with a type per dataset does not scale to a catalogue of many thousands:
    // past the cap, the typed schema keeps the first datasets by id and `records` serves all.
    const published = await this.catalogue.listPublishedUnchecked(this.maxDatasets + 1);
    if (published.length > this.maxDatasets) {
      published.length = this.maxDatasets;
      this.logger.warn({ max: this.maxDatasets }, 'more published datasets than DATA_SCHEMA_MAX_DATASETS: the typed data schema holds the first ones by id; records serves them all');
    }
    const signature = published.map((d) => `${d.id}@${d.version}`).join(',');
    if (signature !== this.signature || !this.schema) {
      this.schema = buildSchema(published);
      this.signature = signature;
    }
    this.seenGeneration = generation;
  }
}
