import type { Filter } from 'mongodb';
import { may } from '../auth/permissions.js';
import type { Principal } from '../auth/principal.js';
import type { CatalogueService } from '../catalogue/catalogue-service.js';
import { decodeCursor, keysetPage, pageSize, type Connection } from '../paging.js';
import { forbidden, notFound } from '../errors.js';
import type { AuditEvent, AuditLog, AuditVerification } from '../audit/audit-log.js';

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
): Promise<Connection<AuditEvent>> {
  const clauses: Filter<AuditEvent>[] = [];
  if (!may.administer(principal)) {
    if (!may.overseeDepartment(principal)) throw forbidden('The audit trail is read by stewards (of their datasets) and admins.');
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
  const before = args.after ? decodeCursor(args.after, ['number'])[0] : null;
  const events = await log.list(clauses.length ? { $and: clauses } : {}, size + 1, before);
  return keysetPage(events, size, (event) => [event._id]);
}

export function verifyAuditFor(principal: Principal, log: AuditLog): Promise<AuditVerification> {
  if (!may.administer(principal)) throw forbidden('Only admins verify the audit trail.');
  return log.verify();
}
