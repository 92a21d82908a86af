import { join, resolve } from 'node:path';
import type { Config } from '../server/config.js';
import { parseSourceRegistry } from '../server/config.js';
import type { CatalogueService } from '../server/catalogue/catalogue-service.js';
import type { Logger } from '../server/logger.js';
import { postgresAnswers, startEmbeddedPostgres } from './embedded-postgres.js';
import { startSampleApi } from './sample-api.js';
import { loadSampleCatalogue } from './sample-catalogue.js';
import { sampleRuntimeCredentials } from './sample-credentials.js';
import { loadSampleSources } from './sample-sources.js';

/** The local sample environment, started by `npm start` when SEED_ON_START is on. */
export interface LocalEnvironment {
  /** The configuration with the sample sources' run-time addresses; explicit SOURCE_CREDENTIALS win. */
  config: Config;
  /** Loads the sample catalogue into an empty catalogue and any missing sample source. */
  seed(catalogue: CatalogueService): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the sample departments' own systems: the JSON APIs served by this process, land parcels
 * in a database of their own on the local MongoDB, and, without a PostgreSQL server, the Công an
 * and health samples on embedded PGlite.
 */
export async function startLocalEnvironment(given: Config, logger: Logger, mongoUri: string): Promise<LocalEnvironment> {
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
  return {
    config,
    async seed(catalogue) {
      if ((await catalogue.datasets.estimatedDocumentCount()) === 0) await loadSampleCatalogue(catalogue, logger);
      const reports = await loadSampleSources({ postgresUrl: sampleAdmin.postgresUrl, mysqlUrl: sampleAdmin.mysqlUrl, mongoUri, filesDir: config.sourceFilesDir }, {
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
    },
  };
}
