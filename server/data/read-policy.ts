import type { Principal } from '../auth/principal.js';
import type { Dataset } from '../catalogue/dataset.js';
import type { Predicate } from '../../connectors/filter.js';

/** What a caller may read of a dataset; every read path (records, typed data, links, export) asks here. */
export interface ReadDecision {
  canRead: boolean;
  /** Why not, in words a user can act on. */
  reason?: string;
  visibleFields: string[];
  maskedFields: string[];
  hiddenFields: string[];
  /** ANDed into every query before the connector runs. */
  rowFilter: Predicate | null;
}

/**
 * The single policy decision for reads. Interim rule until governance lands: the owning
 * department reads its datasets in full, everyone reads PUBLIC datasets, nothing else.
 */
export function decideRead(principal: Principal, dataset: Dataset): ReadDecision {
  const all = dataset.fields.map((f) => f.name);
  if (principal.department === dataset.department || dataset.classification === 'PUBLIC') {
    return { canRead: true, visibleFields: all, maskedFields: [], hiddenFields: [], rowFilter: null };
  }
  return {
    canRead: false,
    reason: `${dataset.id} is ${dataset.classification}: only ${dataset.department} reads it until access governance is available.`,
    visibleFields: [],
    maskedFields: [],
    hiddenFields: all,
    rowFilter: null,
  };
}
