import type { Db } from 'mongodb';
import { checkBinding } from '../connectors/registry.js';
import { LiveSchema } from '../schema/build-schema.js';
import { CatalogueService } from './catalogue/catalogue-service.js';
import type { ConnectorBindingCheck } from './catalogue/dataset-validation.js';
import { RecordsService } from './data/records-service.js';
import { SourceHealth } from './data/source-health.js';
import { SourcePool } from './data/source-pool.js';
import { AccessService } from './governance/access-service.js';
import { AuditLog, type AuditEntry } from './audit/audit-log.js';
import { webhookNotifier } from './governance/webhook.js';
import type { Config } from './config.js';
import { createConsole } from '../console/index.js';
import { buildApp } from './http/app.js';
import type { Logger } from './logger.js';

/** A binding is checked against the credential registry as it is when asked, so a change applies at once. */
export function bindingCheck(config: Config): ConnectorBindingCheck {
  return (binding, path, department) =>
    checkBinding(binding, department, config.sourceCredentials, { catalogueDatabase: config.mongoDb }).faults.map((f) => ({ path: `${path}.${f.path}`, message: f.message }));
}

/** Wires the domain services and the HTTP app over one catalogue database. */
export async function createGateway(config: Config, logger: Logger, db: Db) {
  const auditLog = new AuditLog(db, config.governance.auditSecret);
  await auditLog.ensureIndexes();
  const audit = (entry: AuditEntry) => auditLog.append(entry);
  const catalogue = new CatalogueService(db, bindingCheck(config), audit, config.limits.maxPageSize);
  await catalogue.ensureIndexes();
  await catalogue.searchIndex.refreshIfStale(true);
  const access = new AccessService(db, catalogue, audit, webhookNotifier(config.governance.webhookUrl, logger), config.governance.maxAccessDays);
  await access.ensureIndexes();
  const sources = new SourcePool(
    {
      checkBinding: (binding, department) => checkBinding(binding, department, config.sourceCredentials, { catalogueDatabase: config.mongoDb }),
      timeoutMs: config.sourceTimeoutMs,
      maxResponseBytes: config.sourceMaxResponseBytes,
      breaker: config.sourceBreaker,
    },
    logger,
  );
  const records = new RecordsService(catalogue, config, logger, access, sources, config.governance.auditEnabled ? audit : null);
  const health = new SourceHealth(catalogue, sources, config.sourceTimeoutMs, logger);
  const schema = new LiveSchema(catalogue, config.limits.dataSchemaMaxDatasets, logger);
  await schema.current();
  const webConsole = await createConsole({ config, logger, db, catalogue, records, health, access, auditLog });
  const { requestListener, metrics } = buildApp({
    console: webConsole,
    config,
    logger,
    catalogue,
    records,
    health,
    access,
    auditLog,
    schema: () => schema.current(),
    schemaStatus: () => schema.status(),
    ping: async () => {
      await db.command({ ping: 1 });
    },
  });
  return { requestListener, metrics, catalogue, records, health, sources, access, auditLog, schema };
}
