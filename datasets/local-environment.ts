import { join, resolve } from 'node:path';
import type { Config } from '../server/config.js';
import { parseSourceRegistry } from '../server/config.js';
import type { CatalogueService } from '../server/catalogue/catalogue-service.js';
import type { Logger } from '../server/logger.js';
import { postgresAnswers, startEmbeddedPostgres } from './embedded-postgres.js';
import { startSampleApi } from './sample-api.js';
import { loadSampleCatalogue } from './sample-catalogue.js';
import { sampleRuntimeCredentials } from './sample-credentials.js';
import { loadSampleSources, type SampleSourceTargets } from './sample-sources.js';
import { resolveMongo } from '../server/mongo/resolve-mongo.js';

/** The local sample environment, started by `npm start` when SEED_ON_START is on, and by `npm run seed`. */
export interface LocalEnvironment {
  /** The configuration with the sample sources' run-time addresses; explicit SOURCE_CREDENTIALS win. */
  config: Config;
  /** Where the sample sources live, with the accounts that load them. */
  sources: SampleSourceTargets;
  /** Loads the sample catalogue into an empty catalogue and any missing sample source. */
  seed(catalogue: CatalogueService): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the sample departments' own systems: the JSON APIs served by this process, land parcels
 * on a MongoDB server of their own (never the catalogue's: a department's heavy query must not
 * stall the platform, as a server that does not stop abandoned queries would), and, without a
 * PostgreSQL server, the Công an and health samples on embedded PGlite.
 */
export async function startLocalEnvironment(given: Config, logger: Logger): Promise<LocalEnvironment> {
  const departmentMongo = await resolveMongo(logger.child({ source: 'department MongoDB' }), { dataDir: join(resolve(given.dataDir), 'department-mongodb') });
  const mongoUri = departmentMongo.uri;
  const sampleApi = await startSampleApi();
  const runtime = parseSourceRegistry(sampleRuntimeCredentials({ mongoUri, apiUrl: sampleApi.url }), given.sourceFilesDir);
  const sourceCredentials = { ...runtime, ...given.sourceCredentials };
  let sampleAdmin = given.sampleAdmin;
  let embeddedPostgres: Awaited<ReturnType<typeof startEmbeddedPostgres>> | null = null;
  if (sourceCredentials['residents-db']?.url && !(await postgresAnswers(given.sampleAdmin.postgresUrl))) {
    embeddedPostgres = await startEmbeddedPostgres(join(resolve(given.dataDir), 'pglite'));
    for (const name of ['residents-db', 'health-db']) {
      const entry = sourceCredentials[name];
      if (entry) sourceCredentials[name] = { ...entry, url: embeddedPostgres.url };
    }
    sampleAdmin = { ...sampleAdmin, postgresUrl: embeddedPostgres.url };
    logger.warn({ postgres: 'pglite' }, 'PostgreSQL does not answer; the sample PostgreSQL sources use embedded PGlite');
  }
  const config: Config = { ...given, sourceCredentials, sampleAdmin };
  const sources: SampleSourceTargets = { postgresUrl: sampleAdmin.postgresUrl, mysqlUrl: sampleAdmin.mysqlUrl, mongoUri, filesDir: config.sourceFilesDir };
  return {
    config,
    sources,
    async seed(catalogue) {
      if ((await catalogue.datasets.estimatedDocumentCount()) === 0) await loadSampleCatalogue(catalogue, logger);
      const reports = await loadSampleSources(sources, {
        force: false,
        logger,
        progress: (source, done, total) => {
          if (done === total || done % 20_000 === 0) logger.info({ source, done, total }, 'loading sample source');
        },
      });
      logger.info({ sources: reports.map((r) => `${r.source}: ${r.status}`) }, 'sample sources ready');
    },
    async stop() {
      await sampleApi.close();
      await embeddedPostgres?.stop();
      await departmentMongo.stop();
    },
  };
}
