import { parseWhere, type Predicate } from '../../connectors/filter.js';
import type { Principal } from '../auth/principal.js';
import type { Dataset } from '../catalogue/dataset.js';
import type { MaskSpec } from '../catalogue/record-schema.js';
import { defaultMask } from './masks.js';

export interface GrantMask extends MaskSpec {
  field: string;
}

/** Access to a dataset given to one principal for one purpose, as a steward approved it. */
export interface Grant {
  _id: string;
  requestId: string;
  datasetId: string;
  datasetDepartment: string;
  granteeId: string;
  granteeDepartment: string;
  fields: string[];
  /** A portable filter ANDed into every read under this grant. */
  rowFilter: unknown;
  masks: GrantMask[];
  purpose: string;
  until: Date;
  /** Rows per day; absent means no quota. */
  maxRows?: number;
  note?: string;
  approvedBy: string;
  createdAt: Date;
  /** Set once the approving update of its request has won; an inactive grant is never used. */
  active: boolean;
  revokedAt?: Date;
  revokedBy?: string;
  revokeReason?: string;
}

/** Whether a grant may be used now: approved, not revoked, not expired. */
export const grantInForce = (grant: Grant, now = Date.now()): boolean => grant.active && !grant.revokedAt && grant.until.getTime() > now;

/** What a caller may read of a dataset; every read path (records, typed data, links, export) asks here. */
export interface ReadDecision {
  canRead: boolean;
  /** Why not, in words a user can act on. */
  reason?: string;
  visibleFields: string[];
  /** Visible fields whose values are masked, with their masks. */
  masks: Record<string, MaskSpec>;
  maskedFields: string[];
  hiddenFields: string[];
  /** ANDed into every query before the connector runs. */
  rowFilter: Predicate | null;
  grant: Grant | null;
  purpose: string | null;
}

const refuse = (dataset: Dataset, reason: string): ReadDecision => ({
  canRead: false,
  reason,
  visibleFields: [],
  masks: {},
  maskedFields: [],
  hiddenFields: dataset.fields.map((f) => f.name),
  rowFilter: null,
  grant: null,
  purpose: null,
});

function decision(dataset: Dataset, visible: string[], masks: Record<string, MaskSpec>, rest: Pick<ReadDecision, 'rowFilter' | 'grant' | 'purpose'>): ReadDecision {
  const shown = new Set(visible);
  return {
    canRead: true,
    visibleFields: dataset.fields.map((f) => f.name).filter((f) => shown.has(f)),
    masks,
    maskedFields: Object.keys(masks).filter((f) => shown.has(f)),
    hiddenFields: dataset.fields.map((f) => f.name).filter((f) => !shown.has(f)),
    ...rest,
  };
}

/**
 * The policy engine: one pure decision per (caller, dataset, active grants, purpose), used by
 * every read and shown to the caller as Dataset.myAccess.
 * - The owning department reads its datasets in full; PUBLIC datasets are read in full by all.
 * - A grant applies when the read names its purpose: its fields, masks and row filter.
 * - INTERNAL without a grant: every government principal reads it, PII fields masked.
 * - RESTRICTED and CONFIDENTIAL: only through a grant, for the grant's purpose.
 */
export function decideRead(principal: Principal, dataset: Dataset, grants: Grant[], purpose: string | null): ReadDecision {
  const all = dataset.fields.map((f) => f.name);
  if (principal.department === dataset.department || dataset.classification === 'PUBLIC') {
    return decision(dataset, all, {}, { rowFilter: null, grant: null, purpose });
  }
  const grant = purpose ? grants.find((g) => g.purpose === purpose) : undefined;
  if (grant) {
    const masks = Object.fromEntries(grant.masks.map(({ field, ...mask }) => [field, mask]));
    const rowFilter = grant.rowFilter ? parseWhere(grant.rowFilter, dataset.fields, 'grant.rowFilter') : null;
    return decision(dataset, grant.fields, masks, { rowFilter, grant, purpose });
  }
  if (dataset.classification === 'INTERNAL') {
    const masks = Object.fromEntries(dataset.fields.filter((f) => f.pii).map((f) => [f.name, defaultMask(f)]));
    return decision(dataset, all, masks, { rowFilter: null, grant: null, purpose });
  }
  const how = `Ask for access with requestAccess(input: { datasetId: "${dataset.id}", fields: [...], purpose: "...", justification: "...", until: "..." }); a steward of ${dataset.department} decides.`;
  if (grants.length > 0 && !purpose) {
    return refuse(dataset, `${dataset.id} is ${dataset.classification}: name the purpose of your grant in \`purpose\` (your grants are for: ${grants.map((g) => `"${g.purpose}"`).join(', ')}).`);
  }
  if (grants.length > 0) {
    return refuse(dataset, `${dataset.id} is ${dataset.classification} and none of your grants is for the purpose "${purpose}" (they are for: ${grants.map((g) => `"${g.purpose}"`).join(', ')}). ${how}`);
  }
  return refuse(dataset, `${dataset.id} is ${dataset.classification}: reading it needs a grant. ${how}`);
}
