import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { MongoClient } from 'mongodb';
import { postgresAnswers, startEmbeddedPostgres } from '../datasets/embedded-postgres.js';
import { startSampleApi } from '../datasets/sample-api.js';
import { loadSampleCatalogue } from '../datasets/sample-catalogue.js';
import { sampleRuntimeCredentials } from '../datasets/sample-credentials.js';
import { loadSampleSources } from '../datasets/sample-sources.js';
import { ConfigError, loadConfig, parseSourceRegistry } from './config.js';
import { createGateway } from './gateway.js';
import { createLogger } from './logger.js';
import { resolveMongo } from './mongo/resolve-mongo.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const mongo = await resolveMongo(logger, { ...(config.mongoUri ? { uri: config.mongoUri } : {}), dataDir: config.dataDir });
  const client = new MongoClient(mongo.uri, { serverSelectionTimeoutMS: 5000, appName: 'kho-du-lieu-gateway' });
  await client.connect();
  const db = client.db(config.mongoDb);
  // The sample departments' own systems: the health API is served by this process, land parcels
  // live in a database of their own on the local MongoDB. Explicit SOURCE_CREDENTIALS win.
  const sampleApi = config.seedOnStart ? await startSampleApi() : null;
  if (sampleApi) {
    const runtime = parseSourceRegistry(sampleRuntimeCredentials({ mongoUri: mongo.uri, apiUrl: sampleApi.url }), config.sourceFilesDir);
    config.sourceCredentials = { ...runtime, ...config.sourceCredentials };
  }
  // Without a PostgreSQL server the Công an sample runs on embedded PGlite instead.
  let embeddedPostgres: Awaited<ReturnType<typeof startEmbeddedPostgres>> | null = null;
  const residentsDb = config.sourceCredentials['residents-db'];
  if (config.seedOnStart && residentsDb?.url && !(await postgresAnswers(config.sampleAdmin.postgresUrl))) {
    embeddedPostgres = await startEmbeddedPostgres(join(resolve(config.dataDir), 'pglite'));
    for (const name of ['residents-db', 'health-db']) {
      const entry = config.sourceCredentials[name];
      if (entry) entry.url = embeddedPostgres.url;
    }
    config.sampleAdmin.postgresUrl = embeddedPostgres.url;
    logger.warn({ postgres: 'pglite' }, 'PostgreSQL does not answer; the sample PostgreSQL sources use embedded PGlite');
  }
  const gateway = await createGateway(config, logger, db);
  if (config.seedOnStart) {
    if ((await gateway.catalogue.datasets.estimatedDocumentCount()) === 0) await loadSampleCatalogue(gateway.catalogue, logger);
    const reports = await loadSampleSources({ postgresUrl: config.sampleAdmin.postgresUrl, mysqlUrl: config.sampleAdmin.mysqlUrl, mongoUri: mongo.uri, filesDir: config.sourceFilesDir }, {
      force: false,
      logger,
      progress: (source, done, total) => {
        if (done === total || done % 20_000 === 0) logger.info({ source, done, total }, 'loading sample source');
      },
    });
    logger.info({ sources: reports.map((r) => `${r.source}: ${r.status}`) }, 'sample sources ready');
  }

  const server: Server = gateway.app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}/graphql`;
  logger.info(
    { url, mongo: mongo.kind, token: 'npm run --silent token -- --sub an.nguyen --dept tai-chinh --roles analyst' },
    `gateway ready at ${url} (GraphiQL in a browser); get a token with: npm run --silent token -- --sub an.nguyen --dept tai-chinh --roles analyst`,
  );
  // Whoever waits for this line (a person, a supervisor, a benchmark) need not wait for the buffer.
  logger.flush();

  // Published datasets' sources are checked once at start (the first 500 by id; every one is
  // also checked at publication and on demand), so an unreachable or drifted source is marked
  // in the catalogue (Dataset.health) and the log instead of surprising a reader.
  void (async () => {
    for (const dataset of await gateway.catalogue.listPublishedUnchecked(500)) await gateway.health.check(dataset);
  })().catch((error: unknown) => logger.warn({ err: error }, 'source health check at start failed'));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => server.closeAllConnections(), 10_000);
    force.unref();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    clearTimeout(force);
    await gateway.sources.close();
    await sampleApi?.close();
    await embeddedPostgres?.stop();
    await client.close();
    await mongo.stop();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
