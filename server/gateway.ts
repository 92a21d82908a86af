import type { Db } from 'mongodb';
import { checkConnectorBinding } from '../connectors/registry.js';
import { LiveSchema } from '../schema/build-schema.js';
import { CatalogueService } from './catalogue/catalogue-service.js';
import { RecordsService } from './data/records-service.js';
import type { Config } from './config.js';
import { buildApp } from './http/app.js';
import type { Logger } from './logger.js';

/** Wires the domain services and the HTTP app over one catalogue database. */
export async function createGateway(config: Config, logger: Logger, db: Db) {
  const catalogue = new CatalogueService(db, checkConnectorBinding, config.limits.maxPageSize);
  await catalogue.ensureIndexes();
  await catalogue.searchIndex.refreshIfStale(true);
  const records = new RecordsService(catalogue, config, logger);
  const schema = new LiveSchema(catalogue);
  await schema.current();
  const { app, metrics } = buildApp({
    config,
    logger,
    catalogue,
    records,
    schema: () => schema.current(),
    ping: async () => {
      await db.command({ ping: 1 });
    },
  });
  return { app, metrics, catalogue, records };
}
