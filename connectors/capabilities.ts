import type { ConnectorCapabilities, ConnectorQuery } from './contract.js';
import { NotSupported } from './errors.js';
import type { Predicate } from './filter.js';

/** Whether the connector evaluates the whole of `p` at its source. */
export function supportsPredicate(capabilities: ConnectorCapabilities, p: Predicate): boolean {
  const filter = capabilities.filter;
  if (!filter) return false;
  switch (p.kind) {
    case 'cmp':
      return filter.operators.includes(p.op);
    case 'and':
    case 'or':
      return filter[p.kind] === true && p.items.every((item) => supportsPredicate(capabilities, item));
    case 'not':
      return filter.not === true && supportsPredicate(capabilities, p.item);
  }
}

/** A predicate split into what a connector evaluates (`pushed`) and what the engine evaluates after it (`residue`). */
export interface PredicateSplit {
  pushed: Predicate | null;
  residue: Predicate | null;
}

const conjunction = (items: Predicate[]): Predicate | null => (items.length === 0 ? null : items.length === 1 ? items[0]! : { kind: 'and', items });

/**
 * Pushdown per subtree: the largest part of `where` the connector supports goes to it, the rest
 * is evaluated in-process on what it returns, so `pushed AND residue` is `where`. An `and` is
 * split into its conjuncts (nested `and`s too); an `or` or `not` goes only whole, since a part of
 * a disjunction or negation is not implied by it. Without `and` support at most one conjunct is
 * pushed, the one with the most conditions.
 */
export function splitPredicate(where: Predicate | null, capabilities: ConnectorCapabilities): PredicateSplit {
  if (where === null) return { pushed: null, residue: null };
  if (supportsPredicate(capabilities, where)) return { pushed: where, residue: null };
  if (where.kind !== 'and') return { pushed: null, residue: where };
  const pushed: Predicate[] = [];
  const residue: Predicate[] = [];
  for (const item of where.items) {
    const part = splitPredicate(item, capabilities);
    if (part.pushed) pushed.push(part.pushed);
    if (part.residue) residue.push(part.residue);
  }
  if (capabilities.filter?.and !== true && pushed.length > 1) {
    const largest = pushed.reduce((best, p) => (size(p) > size(best) ? p : best));
    residue.push(...pushed.filter((p) => p !== largest));
    return { pushed: largest, residue: conjunction(residue) };
  }
  return { pushed: conjunction(pushed), residue: conjunction(residue) };
}

function size(p: Predicate): number {
  if (p.kind === 'cmp') return 1;
  if (p.kind === 'not') return 1 + size(p.item);
  return 1 + p.items.reduce((n, item) => n + size(item), 0);
}

/**
 * Throws NotSupported for a request beyond `capabilities`. Every connector calls it first in
 * `query()`: such a request is the engine's defect, answered as one rather than half-served.
 */
export function refuseUnsupported(capabilities: ConnectorCapabilities, request: Pick<ConnectorQuery, 'where' | 'orderBy' | 'after' | 'limit'>): void {
  if (request.where && !supportsPredicate(capabilities, request.where)) throw new NotSupported('a filter with operators or combinators it does not declare');
  if (request.orderBy.length > 0 && capabilities.orderBy !== true) throw new NotSupported('orderBy');
  if ((request.after !== null || request.limit !== null) && capabilities.pagination !== true) throw new NotSupported('pagination (after, limit)');
  if (request.after !== null && request.orderBy.length === 0) throw new NotSupported('a cursor without an order');
}
