import { MongoClient } from 'mongodb';
import { ConfigError, loadConfig } from '../server/config.js';
import { CatalogueService } from '../server/catalogue/catalogue-service.js';
import { AuditLog } from '../server/audit/audit-log.js';
import { bindingCheck } from '../server/gateway.js';
import { createLogger } from '../server/logger.js';
import { resolveMongo } from '../server/mongo/resolve-mongo.js';
import { loadSampleCatalogue } from './sample-catalogue.js';
import { startLocalEnvironment } from './local-environment.js';
import { loadSampleSources, terminalProgress } from './sample-sources.js';

/**
 * `npm run seed`: loads the sample departments and any sample dataset missing from the
 * catalogue (existing ones are kept as they are), and (re)loads every sample source into its own
 * system with progress shown: PostgreSQL, MariaDB, the department's MongoDB and CSV files. The departments'
 * read-only source accounts are granted again after the tables are re-created, since a dropped
 * PostgreSQL table takes its grants with it. Uses the same MongoDB as `npm start`; with the
 * local store, stop `npm start` first, since one process at a time may hold its files.
 */
async function main(): Promise<void> {
  const given = loadConfig();
  const logger = createLogger(given.logLevel);
  // The sample sources live where `npm start` keeps them: the same local environment.
  const local = await startLocalEnvironment(given, logger);
  const config = local.config;
  const mongo = await resolveMongo(logger, { ...(config.mongoUri ? { uri: config.mongoUri } : {}), dataDir: config.dataDir });
  const client = new MongoClient(mongo.uri, { serverSelectionTimeoutMS: 5000 });
  try {
    await client.connect();
    const db = client.db(config.mongoDb);
    const auditLog = new AuditLog(db, config.governance.auditSecret);
    const catalogue = new CatalogueService(db, bindingCheck(config), (entry) => auditLog.append(entry), config.limits.maxPageSize);
    await catalogue.ensureIndexes();
    const { registered } = await loadSampleCatalogue(catalogue, logger);
    process.stdout.write(`sample catalogue loaded: ${registered} dataset(s) added\n`);
    const reports = await loadSampleSources(local.sources, { force: true, logger, progress: terminalProgress() });
    for (const r of reports) process.stdout.write(`${r.source}: ${r.status === 'failed' ? `FAILED (${r.reason})` : `${r.rows.toLocaleString('en')} rows ${r.status}`}\n`);
    if (reports.some((r) => r.status === 'failed')) process.exitCode = 1;
  } finally {
    await client.close();
    await mongo.stop();
    await local.stop();
  }
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`seed failed: ${message}\n`);
  process.exit(1);
});
