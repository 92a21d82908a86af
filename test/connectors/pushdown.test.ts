import { describe, expect, it } from 'vitest';
import { refuseUnsupported, splitPredicate, supportsPredicate } from '../../connectors/capabilities.js';
import type { ConnectorCapabilities } from '../../connectors/contract.js';
import { NotSupported } from '../../connectors/errors.js';
import { COMPARISON_OPERATORS, type Predicate } from '../../connectors/filter.js';

const eq = (field: string, value: unknown): Predicate => ({ kind: 'cmp', field, op: 'eq', value });
const gt = (field: string, value: unknown): Predicate => ({ kind: 'cmp', field, op: 'gt', value });
const contains = (field: string, value: string): Predicate => ({ kind: 'cmp', field, op: 'contains', value });
const and = (...items: Predicate[]): Predicate => ({ kind: 'and', items });
const or = (...items: Predicate[]): Predicate => ({ kind: 'or', items });
const not = (item: Predicate): Predicate => ({ kind: 'not', item });

const EQ_AND: ConnectorCapabilities = { filter: { operators: ['eq'], and: true } };
const EQ_ONLY: ConnectorCapabilities = { filter: { operators: ['eq', 'gt'] } };
const ALL: ConnectorCapabilities = { filter: { operators: [...COMPARISON_OPERATORS], and: true, or: true, not: true }, orderBy: true, pagination: true };

describe('pushdown per subtree', () => {
  it('pushes a wholly supported filter whole, and nothing is left', () => {
    const where = and(eq('a', 1), eq('b', 2));
    expect(splitPredicate(where, EQ_AND)).toEqual({ pushed: where, residue: null });
    expect(splitPredicate(null, EQ_AND)).toEqual({ pushed: null, residue: null });
  });

  it('pushes the supported conjuncts of an and and leaves the rest', () => {
    expect(splitPredicate(and(eq('a', 1), contains('n', 'x'), eq('b', 2)), EQ_AND)).toEqual({ pushed: and(eq('a', 1), eq('b', 2)), residue: contains('n', 'x') });
  });

  it('splits nested ands as one conjunction', () => {
    expect(splitPredicate(and(and(eq('a', 1), gt('y', 3)), and(contains('n', 'x'), eq('b', 2))), EQ_AND)).toEqual({
      pushed: and(eq('a', 1), eq('b', 2)),
      residue: and(gt('y', 3), contains('n', 'x')),
    });
  });

  it('pushes an or or a not only whole', () => {
    const partlySupported = or(eq('a', 1), contains('n', 'x'));
    expect(splitPredicate(partlySupported, { filter: { operators: ['eq'], or: true } })).toEqual({ pushed: null, residue: partlySupported });
    expect(splitPredicate(and(eq('b', 2), partlySupported), EQ_AND)).toEqual({ pushed: eq('b', 2), residue: partlySupported });
    const negated = not(and(eq('a', 1), contains('n', 'x')));
    expect(splitPredicate(negated, ALL)).toEqual({ pushed: negated, residue: null });
    expect(splitPredicate(negated, EQ_AND)).toEqual({ pushed: null, residue: negated });
    // An or the connector cannot combine is not pushed even when each branch could be.
    expect(splitPredicate(or(eq('a', 1), eq('b', 2)), EQ_AND)).toEqual({ pushed: null, residue: or(eq('a', 1), eq('b', 2)) });
  });

  it('without and, pushes one conjunct, the one with the most conditions', () => {
    const bigger = or(eq('a', 1), eq('a', 2));
    const caps: ConnectorCapabilities = { filter: { operators: ['eq'], or: true } };
    expect(splitPredicate(and(eq('b', 1), bigger, contains('n', 'x')), caps)).toEqual({ pushed: bigger, residue: and(contains('n', 'x'), eq('b', 1)) });
    expect(splitPredicate(and(eq('b', 1), gt('c', 2)), EQ_ONLY)).toEqual({ pushed: eq('b', 1), residue: gt('c', 2) });
  });

  it('pushes nothing to a connector without a filter capability', () => {
    const where = and(eq('a', 1), eq('b', 2));
    expect(splitPredicate(where, {})).toEqual({ pushed: null, residue: where });
    expect(supportsPredicate({}, eq('a', 1))).toBe(false);
  });

  it('keeps every condition: pushed and residue together are the filter', () => {
    const where = and(eq('a', 1), or(gt('b', 2), eq('c', 3)), not(eq('d', 4)), contains('n', 'x'));
    for (const caps of [EQ_AND, EQ_ONLY, ALL, {}, { filter: { operators: ['eq', 'gt'], or: true } }] as ConnectorCapabilities[]) {
      const { pushed, residue } = splitPredicate(where, caps);
      const leaves = (p: Predicate | null): string[] => (p === null ? [] : p.kind === 'cmp' ? [`${p.field}${p.op}`] : p.kind === 'not' ? leaves(p.item).map((l) => `!${l}`) : p.items.flatMap(leaves));
      expect([...leaves(pushed), ...leaves(residue)].sort()).toEqual(leaves(where).sort());
      if (pushed) expect(supportsPredicate(caps, pushed)).toBe(true);
    }
  });
});

describe('requests outside the declared capabilities', () => {
  const request = { where: null, orderBy: [], after: null, limit: null };
  it('are answered NotSupported', () => {
    expect(() => refuseUnsupported(EQ_AND, { ...request, where: contains('n', 'x') })).toThrow(NotSupported);
    expect(() => refuseUnsupported(EQ_AND, { ...request, where: or(eq('a', 1), eq('b', 2)) })).toThrow(NotSupported);
    expect(() => refuseUnsupported(EQ_AND, { ...request, orderBy: [{ field: 'a', direction: 'ASC' }] })).toThrow(NotSupported);
    expect(() => refuseUnsupported({ orderBy: true }, { ...request, orderBy: [{ field: 'a', direction: 'ASC' }], limit: 3 })).toThrow(NotSupported);
    expect(() => refuseUnsupported(ALL, { ...request, after: ['x'] })).toThrow(/cursor without an order/);
  });

  it('and requests within them are not', () => {
    expect(() => refuseUnsupported({}, request)).not.toThrow();
    expect(() => refuseUnsupported(EQ_AND, { ...request, where: and(eq('a', 1), eq('b', 2)) })).not.toThrow();
    expect(() => refuseUnsupported(ALL, { where: not(contains('n', 'x')), orderBy: [{ field: 'a', direction: 'DESC' }], after: ['x'], limit: 10 })).not.toThrow();
  });
});
