import type { RecordField } from '../schema.js';
import type { SortKey } from '../contract.js';
import { SourceRequestError } from '../errors.js';
import type { Predicate } from '../filter.js';

/** What differs between the SQL engines the connectors speak. */
export interface SqlDialect {
  quoteIdent(name: string): string;
  /** Placeholder for the n-th parameter (1-based). */
  placeholder(n: number): string;
  /** Text collation that compares by code point, as the in-process engine does. */
  binaryCollation: string;
  /** SQL true when `text` occurs in `column` (case-sensitive). */
  contains(column: string, text: string): string;
  /** SQL true when `column` starts with the text of placeholder `text` (case-sensitive); `again` adds the value once more. */
  startsWith(column: string, text: string, again: () => string): string;
  /**
   * A value written into the text as a quoted literal of no declared type, which the source
   * types from its context exactly as it types a parameter sent as text. Only for statements
   * that take no parameters (PostgreSQL's COPY); absent where the dialect has none.
   */
  literal?(value: SqlValue): string;
  /** A column's value as the source's exact text (for cursors). */
  asText(column: string): string;
  /** A placeholder holding such a text, compared exactly with a column of `type` (MySQL compares text with numbers as doubles). */
  exactValue(placeholder: string, type: RecordField['type']): string;
}

/** Record types whose typed values may round the source's: their exact text travels beside them for cursors. */
const INEXACT_TYPES: ReadonlySet<RecordField['type']> = new Set(['integer', 'number', 'datetime']);

/** The alias of the exact text of the `i`-th sort key; `$` is outside IDENTIFIER, so no field can be named so. */
const exactAlias = (i: number) => `sort$${i}`;

/**
 * The exact sort values of a raw source row selected with `exactSort`, in `orderBy` order: the
 * exact text where one was selected, else the typed value. Null when none was needed.
 */
export function exactSortValues(raw: Record<string, unknown>, typed: Record<string, unknown>, orderBy: SortKey[], fields: Map<string, RecordField>): unknown[] | null {
  if (!needsExactSort(orderBy, fields)) return null;
  return orderBy.map((k, i) => (INEXACT_TYPES.has(fields.get(k.field)?.type ?? 'string') ? raw[exactAlias(i)] : typed[k.field]));
}

/** Whether a sort field's typed values may be rounded, so rows carry exact texts. */
export function needsExactSort(orderBy: SortKey[], fields: Map<string, RecordField>): boolean {
  return orderBy.some((k) => INEXACT_TYPES.has(fields.get(k.field)?.type ?? 'string'));
}

/**
 * The only identifiers the builder emits: the record schema's property names and the binding's
 * table and schema all follow this rule, so quoting never has to escape anything.
 */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The table a binding names, as its validated options hold it. */
export interface SqlTable {
  /** PostgreSQL schema or MySQL database; absent means the connection's default. */
  schema?: string;
  table: string;
}

/** A value that may travel as a parameter: the scalar types of the filter language. */
export type SqlValue = string | number | boolean;

export interface SelectRequest {
  fields: string[];
  where: Predicate | null;
  orderBy: SortKey[];
  after: unknown[] | null;
  limit: number | null;
  /** Also select the exact text of sort fields whose typed values may be rounded (exactSortValues reads them). */
  exactSort?: boolean;
}

/**
 * Why a request cannot be turned into SQL. The engine validates requests before they reach a
 * connector, so this only fires when something upstream let a bad request through; it is the
 * request's fault, not the source's, and it never quotes the offending value.
 */
function refused(what: string): SourceRequestError {
  return new SourceRequestError(`the connector refused the request: ${what}`);
}

/**
 * Builds parameterised SQL from the portable filter. Whatever the request holds at run time,
 * the text can only contain quoted identifiers of the dataset's own fields and of the bound
 * table, placeholders (or the dialect's quoted literals, inline), and the builder's fixed
 * keywords and punctuation: every piece of the request is either checked against a closed set
 * and replaced by the builder's own constant, or sent as a parameter. Comparisons are two-valued (a null never matches), so NOT behaves as the
 * in-process evaluator.
 */
export class SqlBuilder {
  readonly params: SqlValue[] = [];
  /**
   * @param inline values are written as the dialect's literals instead of placeholders, and
   *   `params` stays empty.
   */
  constructor(
    private readonly dialect: SqlDialect,
    private readonly fields: Map<string, RecordField>,
    private readonly inline = false,
  ) {}

  private param(value: unknown): string {
    if (this.inline) {
      if (!this.dialect.literal) throw refused('its source takes no values written into the statement');
      return this.dialect.literal(scalar(value));
    }
    this.params.push(scalar(value));
    return this.dialect.placeholder(this.params.length);
  }

  /** A field of the dataset; anything else is refused. */
  private field(name: unknown): RecordField {
    const info = typeof name === 'string' && IDENTIFIER.test(name) ? this.fields.get(name) : undefined;
    if (!info || info.name !== name) throw refused('it names a field that is not in the dataset');
    return info;
  }

  private ident(name: unknown): string {
    return this.dialect.quoteIdent(this.field(name).name);
  }

  /** A column as compared: text by code point. */
  private column(name: unknown): string {
    const info = this.field(name);
    const quoted = this.dialect.quoteIdent(info.name);
    return info.type === 'string' ? `${quoted} COLLATE ${this.dialect.binaryCollation}` : quoted;
  }

  private table(table: SqlTable): string {
    const name = (part: unknown) => {
      if (typeof part !== 'string' || !IDENTIFIER.test(part)) throw refused('the binding names an invalid table');
      return this.dialect.quoteIdent(part);
    };
    return table.schema === undefined ? name(table.table) : `${name(table.schema)}.${name(table.table)}`;
  }

  private where(p: Predicate): string {
    if (typeof p !== 'object' || p === null) throw refused('it holds a filter node of no known kind');
    switch (p.kind) {
      case 'and':
        return `(${list(p.items).map((i) => this.where(i)).join(' AND ') || '1=1'})`;
      case 'or':
        return `(${list(p.items).map((i) => this.where(i)).join(' OR ') || '1=0'})`;
      case 'not':
        return `(NOT ${this.where(p.item)})`;
      case 'cmp':
        return this.comparison(p);
      default:
        throw refused('it holds a filter node of no known kind');
    }
  }

  private comparison(p: Extract<Predicate, { kind: 'cmp' }>): string {
    const raw = this.ident(p.field);
    const col = this.column(p.field);
    const guarded = (sql: string) => `(${raw} IS NOT NULL AND ${sql})`;
    const binary = (op: string) => guarded(`${col} ${op} ${this.param(p.value)}`);
    switch (p.op) {
      case 'isNull':
        if (typeof p.value !== 'boolean') throw refused('isNull takes true or false');
        return p.value ? `(${raw} IS NULL)` : `(${raw} IS NOT NULL)`;
      case 'eq':
        return binary('=');
      case 'ne':
        return binary('<>');
      case 'lt':
        return binary('<');
      case 'lte':
        return binary('<=');
      case 'gt':
        return binary('>');
      case 'gte':
        return binary('>=');
      case 'in':
      case 'nin': {
        const values = list(p.value);
        if (values.length === 0) return p.op === 'in' ? '(1=0)' : guarded('1=1');
        const members = `${col} IN (${values.map((v) => this.param(v)).join(', ')})`;
        return guarded(p.op === 'in' ? members : `NOT (${members})`);
      }
      case 'contains':
      case 'startsWith': {
        // Text functions on other types would be the source's error, or an implicit cast the evaluator does not make.
        if (this.field(p.field).type !== 'string' || typeof p.value !== 'string') throw refused(`${p.op} applies to text fields and text values only`);
        const text = this.param(p.value);
        return guarded(p.op === 'contains' ? this.dialect.contains(col, text) : this.dialect.startsWith(col, text, () => this.param(p.value)));
      }
      default:
        throw refused('it uses an operator the filter language does not have');
    }
  }

  private orderBy(keys: SortKey[]): string {
    return list(keys)
      .map((k) => `${this.column(k?.field)} ${direction(k?.direction)}`)
      .join(', ');
  }

  /** A cursor value, compared exactly with its field's column. */
  private exactParam(field: unknown, value: unknown): string {
    return this.dialect.exactValue(this.param(value), this.field(field).type);
  }

  /** Keyset condition "strictly after `after`" for a mixed-direction order. */
  private after(keys: SortKey[], after: unknown[]): string {
    if (list(after).length !== list(keys).length || keys.length === 0) throw refused('its cursor does not match its order');
    const alternatives = keys.map((key, i) => {
      const equal = keys.slice(0, i).map((k, j) => `${this.column(k?.field)} = ${this.exactParam(k?.field, after[j])}`);
      const beyond = `${this.column(key?.field)} ${direction(key?.direction) === 'ASC' ? '>' : '<'} ${this.exactParam(key?.field, after[i])}`;
      return `(${[...equal, beyond].join(' AND ')})`;
    });
    return `(${alternatives.join(' OR ')})`;
  }

  /** The whole SELECT for a connector query. */
  select(table: SqlTable, q: SelectRequest): string {
    const fields = list(q.fields);
    if (fields.length === 0) throw refused('it selects no field');
    const clauses: string[] = [];
    if (q.where) clauses.push(this.where(q.where));
    if (q.after) clauses.push(this.after(q.orderBy, q.after));
    const columns = fields.map((f) => this.ident(f));
    if (q.exactSort) {
      list(q.orderBy).forEach((k, i) => {
        if (INEXACT_TYPES.has(this.field(k?.field).type)) columns.push(`${this.dialect.asText(this.ident(k?.field))} AS ${this.dialect.quoteIdent(exactAlias(i))}`);
      });
    }
    let text = `SELECT ${columns.join(', ')} FROM ${this.table(table)}`;
    if (clauses.length) text += ` WHERE ${clauses.join(' AND ')}`;
    if (list(q.orderBy).length) text += ` ORDER BY ${this.orderBy(q.orderBy)}`;
    if (q.limit !== null) {
      if (!Number.isSafeInteger(q.limit) || q.limit < 0) throw refused('its limit is not a non-negative integer');
      text += ` LIMIT ${this.param(q.limit)}`;
    }
    return text;
  }
}

/** The sort direction as the builder's own keyword; anything but the two is refused. */
function direction(value: unknown): 'ASC' | 'DESC' {
  if (value === 'ASC') return 'ASC';
  if (value === 'DESC') return 'DESC';
  throw refused('a sort direction must be ASC or DESC');
}

function list<T>(value: T[]): T[];
function list(value: unknown): unknown[];
function list(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw refused('a list was expected');
  return value;
}

/** Drivers turn objects and arrays into SQL values of their own (arrays, JSON); only scalars may travel. */
function scalar(value: unknown): SqlValue {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw refused('a value is not a string, a finite number or a boolean');
}
