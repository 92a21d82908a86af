import type { SortKey } from '../../connectors/contract.js';
import { parseWhere, type Predicate } from '../../connectors/filter.js';
import type { Dataset } from '../catalogue/dataset.js';
import type { MaskSpec } from '../catalogue/record-schema.js';
import { badInput, forbidden } from '../errors.js';
import type { ReadDecision } from '../governance/policy.js';
import type { ReadRequest } from './read-request.js';

/** What a permitted read asks of the source and does to its rows afterwards. */
export interface ReadPlan {
  /** The fields each returned row holds, in order. */
  select: string[];
  /** The caller's filter ANDed with the policy's row filter. */
  where: Predicate | null;
  /** Ends with the dataset's key, so the order is total and cursors have no gaps. */
  orderBy: SortKey[];
  /** What the source must return: the selected and the sort fields. */
  fetchFields: string[];
  /** Masks to apply to selected fields after the read. */
  masks: [string, MaskSpec][];
}

/** The dataset's unique key: `options.keyField`, else its first required field. */
export function keyFieldOf(dataset: Dataset): string {
  const declared = dataset.connector.options['keyField'];
  if (typeof declared === 'string' && dataset.fields.some((f) => f.name === declared)) return declared;
  return (dataset.fields.find((f) => f.required && !f.nullable) ?? dataset.fields[0]!).name;
}

export function fieldsUsedBy(p: Predicate | null, into = new Set<string>()): Set<string> {
  if (!p) return into;
  if (p.kind === 'cmp') into.add(p.field);
  else if (p.kind === 'not') fieldsUsedBy(p.item, into);
  else p.items.forEach((i) => fieldsUsedBy(i, into));
  return into;
}

/**
 * The policy part of a read, pure: from the dataset, the policy decision and the parsed request
 * to what the source is asked. Fields the caller may not see are refused; fields they see only
 * masked can be neither filtered nor sorted on, since a filter on a hidden value reveals it.
 */
export function planRead(dataset: Dataset, decision: ReadDecision, request: ReadRequest): ReadPlan {
  if (!decision.canRead) throw forbidden(decision.reason ?? `You may not read ${dataset.id}.`);
  const visible = new Set(decision.visibleFields);
  const masked = new Set(decision.maskedFields);
  const known = new Map(dataset.fields.map((f) => [f.name, f]));

  const asked = request.wanted;
  const wanted = asked ? decision.visibleFields.filter((f) => asked.includes(f)) : [];
  const select = request.select ?? (wanted.length > 0 ? wanted : decision.visibleFields);
  const unknown = select.filter((f) => !known.has(f));
  if (unknown.length) throw badInput('Unknown fields in select.', unknown.map((f) => ({ path: 'select', message: `"${f}" is not a field of ${dataset.id}` })));
  const hidden = select.filter((f) => !visible.has(f));
  if (hidden.length) throw forbidden(`You may not read field(s) ${hidden.join(', ')} of ${dataset.id}.`);

  const where = request.where ? parseWhere(request.where, dataset.fields) : null;
  const guarded = [...fieldsUsedBy(where)].filter((f) => !visible.has(f) || masked.has(f));
  if (guarded.length) throw forbidden(`You may not filter on field(s) ${guarded.join(', ')}: you cannot see their values.`);

  const key = keyFieldOf(dataset);
  const orderBy: SortKey[] = [];
  for (const [i, o] of request.orderBy.entries()) {
    const field = known.get(o.field);
    if (!field) throw badInput('Unknown sort field.', [{ path: `orderBy.${i}.field`, message: `"${o.field}" is not a field of ${dataset.id}` }]);
    if (!visible.has(o.field) || masked.has(o.field)) throw forbidden(`You may not sort on ${o.field}: you cannot see its values.`);
    if (field.nullable || !field.required) throw badInput('Unsortable field.', [{ path: `orderBy.${i}.field`, message: `"${o.field}" may be empty; sort on a required field` }]);
    if (orderBy.some((k) => k.field === o.field)) throw badInput('Repeated sort field.', [{ path: `orderBy.${i}.field`, message: `"${o.field}" is already in the order` }]);
    if (o.field !== key) orderBy.push({ field: o.field, direction: o.direction });
  }
  orderBy.push({ field: key, direction: request.orderBy.find((o) => o.field === key)?.direction ?? 'ASC' });

  const combined: Predicate | null = decision.rowFilter && where ? { kind: 'and', items: [decision.rowFilter, where] } : (decision.rowFilter ?? where);
  return {
    select,
    where: combined,
    orderBy,
    fetchFields: [...new Set([...select, ...orderBy.map((k) => k.field)])],
    masks: Object.entries(decision.masks).filter(([field]) => select.includes(field)),
  };
}
