import type { Row, SortKey } from './contract.js';
import { InvalidRequest, type Fault } from './errors.js';
import type { RecordField } from './schema.js';

/**
 * The portable filter language (API.md) as a checked expression tree, and its in-process
 * evaluation. Every connector must return exactly the rows `evaluate` accepts: comparisons are
 * two-valued (a comparison with a null value is false, so `not` never turns an unknown into a
 * match) and strings compare by code point, as `COLLATE "C"` does in SQL.
 */
export const COMPARISON_OPERATORS = ['eq', 'ne', 'in', 'nin', 'lt', 'lte', 'gt', 'gte', 'contains', 'startsWith', 'isNull'] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

export type Predicate =
  | { kind: 'and'; items: Predicate[] }
  | { kind: 'or'; items: Predicate[] }
  | { kind: 'not'; item: Predicate }
  | { kind: 'cmp'; field: string; op: ComparisonOperator; value: unknown };

const MAX_DEPTH = 12;
const MAX_LIST = 1000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)$/;
const MAX_TEXT = 10_000;

/**
 * What one filter may cost a source. Pattern matches (contains, startsWith) use no index and run
 * against every row, so an `or` of a thousand of them is minutes of a source's time, and a
 * source that does not stop on cancel (some MongoDB-protocol servers) keeps spending it after
 * the client is gone. Nothing a person asks needs more than this; link batches are one `in`.
 */
export const FILTER_BUDGET = { comparisons: 100, patterns: 20, patternLength: 200, listValues: 2000 } as const;

/** A real calendar day: `2024-02-30` has the right shape, but no source would accept it. */
function isCalendarDate(year: string, month: string, day: string): boolean {
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return Number(year) >= 1 && date.getUTCFullYear() === Number(year) && date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
}

/**
 * Whether a value can be compared with the field, as every source would take it: values a
 * source would refuse (an impossible date, an integer beyond 2^53, text with NUL) are the
 * client's fault and are refused here, before any source is asked.
 */
function valueFault(field: RecordField, value: unknown): string | null {
  switch (field.type) {
    case 'string':
      if (typeof value !== 'string') return 'must be a string';
      if (value.length > MAX_TEXT) return `must be at most ${MAX_TEXT} characters`;
      return value.includes('\u0000') || !value.isWellFormed() ? 'must be well-formed text without NUL characters' : null;
    case 'integer':
      return Number.isSafeInteger(value) ? null : 'must be an integer between -(2^53-1) and 2^53-1';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'must be a number';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be a boolean';
    case 'date': {
      const parts = typeof value === 'string' ? DATE.exec(value) : null;
      return parts && isCalendarDate(parts[1]!, parts[2]!, parts[3]!) ? null : 'must be a calendar date YYYY-MM-DD';
    }
    case 'datetime': {
      const parts = typeof value === 'string' ? DATETIME.exec(value) : null;
      return parts && isCalendarDate(parts[1]!, parts[2]!, parts[3]!) ? null : 'must be an ISO 8601 date-time with a time zone (e.g. 2024-05-01T08:00:00Z)';
    }
  }
}

/**
 * Checks a `where` argument against a dataset's fields and returns its tree. Unknown fields and
 * operators, `$`-prefixed keys and values of the wrong type are an InvalidRequest (the
 * client's BAD_USER_INPUT), listing each fault with its path, before any source is asked.
 */
export function parseWhere(where: unknown, fields: RecordField[], path = 'where'): Predicate | null {
  if (where === null || where === undefined) return null;
  const byName = new Map(fields.map((f) => [f.name, f]));
  const faults: Fault[] = [];
  const spent = { comparisons: 0, patterns: 0, listValues: 0 };

  const node = (value: unknown, at: string, depth: number): Predicate | null => {
    if (depth > MAX_DEPTH) {
      faults.push({ path: at, message: `nests deeper than ${MAX_DEPTH} levels` });
      return null;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      faults.push({ path: at, message: 'must be an object' });
      return null;
    }
    const items: Predicate[] = [];
    for (const [key, v] of Object.entries(value)) {
      const here = `${at}.${key}`;
      if (key === 'and' || key === 'or') {
        if (!Array.isArray(v) || v.length === 0) {
          faults.push({ path: here, message: 'must be a non-empty list of filters' });
          continue;
        }
        const parts = v.map((x, i) => node(x, `${here}.${i}`, depth + 1)).filter((p): p is Predicate => p !== null);
        items.push({ kind: key, items: parts });
      } else if (key === 'not') {
        const inner = node(v, here, depth + 1);
        if (inner) items.push({ kind: 'not', item: inner });
      } else {
        const field = byName.get(key);
        if (!field) {
          faults.push({ path: here, message: key.startsWith('$') ? 'operators start without $; see the filter language' : 'is not a field of this dataset' });
          continue;
        }
        if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.keys(v).length === 0) {
          faults.push({ path: here, message: `must be an object of operators (${COMPARISON_OPERATORS.join(', ')})` });
          continue;
        }
        for (const [op, operand] of Object.entries(v)) {
          const opPath = `${here}.${op}`;
          if (!(COMPARISON_OPERATORS as readonly string[]).includes(op)) {
            faults.push({ path: opPath, message: `is not an operator; use one of ${COMPARISON_OPERATORS.join(', ')}` });
            continue;
          }
          spent.comparisons++;
          if (op === 'contains' || op === 'startsWith') spent.patterns++;
          if (Array.isArray(operand)) spent.listValues += operand.length;
          const fault = operandFault(field, op as ComparisonOperator, operand);
          if (fault) faults.push({ path: opPath, message: fault });
          else items.push({ kind: 'cmp', field: key, op: op as ComparisonOperator, value: operand });
        }
      }
    }
    if (items.length === 0 && Object.keys(value).length === 0) faults.push({ path: at, message: 'must not be empty' });
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  };

  const tree = node(where, path, 0);
  if (spent.comparisons > FILTER_BUDGET.comparisons) faults.push({ path, message: `holds ${spent.comparisons} comparisons; at most ${FILTER_BUDGET.comparisons}` });
  if (spent.patterns > FILTER_BUDGET.patterns) faults.push({ path, message: `holds ${spent.patterns} contains/startsWith comparisons; at most ${FILTER_BUDGET.patterns}, since each scans every row` });
  if (spent.listValues > FILTER_BUDGET.listValues) faults.push({ path, message: `lists ${spent.listValues} values in in/nin; at most ${FILTER_BUDGET.listValues}` });
  if (faults.length > 0) throw new InvalidRequest('Invalid filter.', faults);
  return tree;
}

function operandFault(field: RecordField, op: ComparisonOperator, operand: unknown): string | null {
  if (op === 'isNull') return typeof operand === 'boolean' ? null : 'must be true or false';
  if (op === 'in' || op === 'nin') {
    if (!Array.isArray(operand) || operand.length > MAX_LIST) return `must be a list of at most ${MAX_LIST} values`;
    for (const item of operand) {
      const fault = valueFault(field, item);
      if (fault) return `each value ${fault}`;
    }
    return null;
  }
  if (op === 'contains' || op === 'startsWith') {
    if (field.type !== 'string') return `applies to text fields only`;
    if (typeof operand === 'string' && operand.length > FILTER_BUDGET.patternLength) return `must be at most ${FILTER_BUDGET.patternLength} characters`;
    return valueFault(field, operand);
  }
  if (operand === null) return 'must not be null; use isNull';
  return valueFault(field, operand);
}

/** Code-point order for strings (as SQL `COLLATE "C"`), numeric order for numbers. */
function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Normalises a date-time to one instant so that differently written times compare correctly. */
const comparable = (field: RecordField | undefined, v: unknown) =>
  field?.type === 'datetime' && typeof v === 'string' ? new Date(v).toISOString() : v;

export function evaluate(predicate: Predicate | null, row: Row, fields: Map<string, RecordField>): boolean {
  if (!predicate) return true;
  switch (predicate.kind) {
    case 'and':
      return predicate.items.every((p) => evaluate(p, row, fields));
    case 'or':
      return predicate.items.some((p) => evaluate(p, row, fields));
    case 'not':
      return !evaluate(predicate.item, row, fields);
    case 'cmp': {
      const field = fields.get(predicate.field);
      const value = comparable(field, row[predicate.field] ?? null);
      if (predicate.op === 'isNull') return (value === null) === predicate.value;
      if (value === null) return false;
      const operand = predicate.value;
      switch (predicate.op) {
        case 'eq':
          return compareValues(value, comparable(field, operand)) === 0;
        case 'ne':
          return compareValues(value, comparable(field, operand)) !== 0;
        case 'in':
          return (operand as unknown[]).some((o) => compareValues(value, comparable(field, o)) === 0);
        case 'nin':
          return !(operand as unknown[]).some((o) => compareValues(value, comparable(field, o)) === 0);
        case 'lt':
          return compareValues(value, comparable(field, operand)) < 0;
        case 'lte':
          return compareValues(value, comparable(field, operand)) <= 0;
        case 'gt':
          return compareValues(value, comparable(field, operand)) > 0;
        case 'gte':
          return compareValues(value, comparable(field, operand)) >= 0;
        case 'contains':
          return String(value).includes(operand as string);
        case 'startsWith':
          return String(value).startsWith(operand as string);
      }
    }
  }
}

/** Orders rows as a connector must: by each sort key in turn (sort fields are never null). */
export function compareRows(a: Row, b: Row, orderBy: SortKey[]): number {
  for (const { field, direction } of orderBy) {
    const c = compareValues(a[field], b[field]);
    if (c !== 0) return direction === 'ASC' ? c : -c;
  }
  return 0;
}

/** Whether a row comes strictly after the cursor position `after` in the order `orderBy`. */
export function isAfter(row: Row, after: unknown[], orderBy: SortKey[]): boolean {
  const cursorRow = Object.fromEntries(orderBy.map((k, i) => [k.field, after[i]]));
  return compareRows(row, cursorRow, orderBy) > 0;
}
