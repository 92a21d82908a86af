import { may } from '../auth/permissions.js';
import type { Principal } from '../auth/principal.js';
import type { CatalogueService } from '../catalogue/catalogue-service.js';
import type { Dataset, DatasetHealth } from '../catalogue/dataset.js';
import { forbidden, notFound } from '../errors.js';
import type { Logger } from '../logger.js';
import { driftIssues } from './schema-drift.js';
import type { SourcePool } from './source-pool.js';

/** Keeps a source's error message useful without passing on hosts, users or passwords. */
function safeReason(message: string | undefined): string {
  return (message ?? 'no answer')
    .replace(/[a-z+]+:\/\/\S+/gi, '<address>')
    .replace(/\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b/g, '<address>')
    .slice(0, 200);
}

/**
 * Asks a dataset's source whether it answers and whether its fields still match the record
 * schema, and records the verdict in the catalogue (Dataset.health). A source fault is the
 * verdict, never an exception.
 */
export class SourceHealth {
  constructor(
    private readonly catalogue: CatalogueService,
    private readonly sources: SourcePool,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  async check(dataset: Dataset): Promise<DatasetHealth> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    const issues: string[] = [];
    try {
      const { connector } = this.sources.get(dataset);
      const reachable = await connector.health(signal);
      if (!reachable.ok) issues.push(`source unreachable: ${safeReason(reachable.message)}`);
      else issues.push(...driftIssues(dataset.fields, await connector.describe(signal)));
    } catch (error) {
      issues.push(`source unreachable: ${safeReason(error instanceof Error ? error.message : String(error))}`);
    }
    const health: DatasetHealth = { ok: issues.length === 0, checkedAt: new Date(), issues };
    await this.catalogue.recordHealth(dataset.id, health);
    if (!health.ok) this.logger.warn({ dataset: dataset.id, issues }, 'dataset source is not healthy');
    return health;
  }

  /** Checks the first `limit` published datasets by id, one after another, as a start does. */
  async checkPublished(limit: number): Promise<void> {
    for (const dataset of await this.catalogue.listPublishedUnchecked(limit)) await this.check(dataset);
  }

  /** Publishes a dataset and checks its source at once: drift is reported at publication, never discovered later by an analyst. */
  async publish(principal: Principal, id: string): Promise<Dataset & { health: DatasetHealth }> {
    const dataset = await this.catalogue.publish(principal, id);
    return { ...dataset, health: await this.check(dataset) };
  }

  /** On demand, by a publisher or steward of the owning department, or an admin. */
  async checkFor(principal: Principal, id: string): Promise<DatasetHealth> {
    const dataset = await this.catalogue.get(principal, id);
    if (!dataset) throw notFound(`Dataset ${id} not found.`);
    if (!may.checkSourceOf(principal, dataset.department)) throw forbidden(`Only publishers or stewards of ${dataset.department} may check its source.`);
    return this.check(dataset);
  }
}
