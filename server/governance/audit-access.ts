import type { Filter } from 'mongodb';
import { hasRole, isAdmin, type Principal } from '../auth/principal.js';
import type { CatalogueService } from '../catalogue/catalogue-service.js';
import { decodeCursor, encodeCursor, pageSize } from '../catalogue/cursor.js';
import { badInput, forbidden, notFound } from '../errors.js';
import type { AuditEvent, AuditLog, AuditVerification } from './audit-log.js';

/**
 * Who reads the audit trail: admins all of it, stewards the events about their department's
 * datasets and the reads that went through their department's sources; nobody else. Newest
 * first, paged by sequence number.
 */
export async function auditEventsFor(
  principal: Principal,
  args: { datasetId?: string | null; actor?: string | null; first?: number | null; after?: string | null },
  log: AuditLog,
  catalogue: CatalogueService,
): Promise<{ items: AuditEvent[]; hasNextPage: boolean; endCursor: string | null }> {
  const clauses: Filter<AuditEvent>[] = [];
  if (!isAdmin(principal)) {
    if (!hasRole(principal, 'steward')) throw forbidden('The audit trail is read by stewards (of their datasets) and admins.');
    if (args.datasetId) {
      // A draft the caller may not see answers as a dataset that does not exist, so draft ids cannot be probed.
      const dataset = await catalogue.get(principal, args.datasetId);
      if (!dataset) throw notFound(`Dataset ${args.datasetId} not found.`);
      if (dataset.department !== principal.department) throw forbidden(`Only stewards of ${dataset.department} read the audit trail of ${args.datasetId}.`);
    }
    clauses.push({ $or: [{ datasetDepartment: principal.department }, { sourceDepartment: principal.department }] });
  }
  if (args.datasetId) clauses.push({ datasetId: args.datasetId });
  if (args.actor) clauses.push({ actor: args.actor });
  const size = pageSize(args.first, 1000);
  let before: number | null = null;
  if (args.after) {
    const [seq] = decodeCursor(args.after);
    if (typeof seq !== 'number') throw badInput('Invalid cursor.', [{ path: 'after', message: 'is not a cursor returned by this API' }]);
    before = seq;
  }
  const events = await log.list(clauses.length ? { $and: clauses } : {}, size + 1, before);
  const items = events.slice(0, size);
  return { items, hasNextPage: events.length > size, endCursor: items.length ? encodeCursor([items.at(-1)!._id]) : null };
}

export function verifyAuditFor(principal: Principal, log: AuditLog): Promise<AuditVerification> {
  if (!isAdmin(principal)) throw forbidden('Only admins verify the audit trail.');
  return log.verify();
}
