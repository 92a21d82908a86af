import { createHash } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import type { Dataset } from '../catalogue/dataset.js';
import { AppError } from '../errors.js';
import { canonicalJson } from '../audit/canonical-json.js';
import { auditEntry, type AuditAppend } from '../audit/audit-entry.js';
import type { Grant } from '../governance/policy.js';
import type { Logger } from '../logger.js';
import type { ReadPlan } from './read-plan.js';
import type { ReadRequest } from './read-request.js';

/** The hash that identifies what was asked, without storing the filter's values in the trail. */
export function queryHashOf(request: ReadRequest, plan: ReadPlan): string {
  return createHash('sha256')
    .update(canonicalJson({ dataset: request.dataset, where: request.where, select: plan.select, orderBy: plan.orderBy, after: request.after, first: request.first }))
    .digest('hex');
}

/**
 * Records one data read: who, for which department, what, under which grant and purpose, how
 * many rows, and the department owning the source it went through. Fails closed: data whose
 * reading cannot be recorded is not handed out.
 */
export async function auditRead(
  append: AuditAppend,
  logger: Logger,
  read: { principal: Principal; dataset: Dataset; sourceOwner: string; request: ReadRequest; plan: ReadPlan; grant: Grant | null; rowCount: number },
): Promise<void> {
  const { principal, dataset, request, plan, grant } = read;
  const entry = auditEntry(principal, 'data.read', { datasetId: dataset.id, datasetDepartment: dataset.department }, {
    fields: plan.select,
    rowCount: read.rowCount,
    queryHash: queryHashOf(request, plan),
    sourceDepartment: read.sourceOwner !== dataset.department ? read.sourceOwner : undefined,
    purpose: request.purpose ?? undefined,
    grantId: grant?._id,
  });
  try {
    await append(entry);
  } catch (error) {
    logger.error({ err: error, dataset: dataset.id }, 'audit append failed; read refused');
    throw new AppError('SOURCE_UNAVAILABLE', 'The audit trail cannot be written, so no data is returned; try again shortly.');
  }
}
