import type { FieldInfo } from '../../server/catalogue/record-schema.js';
import type { SortKey } from '../contract.js';
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
}

/**
 * Builds parameterised SQL from the portable filter: user values only ever travel as parameters,
 * identifiers only come from the dataset's fields and are always quoted. Comparisons are
 * two-valued (a null never matches), so NOT behaves as the in-process evaluator.
 */
export class SqlBuilder {
  readonly params: unknown[] = [];
  constructor(
    private readonly dialect: SqlDialect,
    private readonly fields: Map<string, FieldInfo>,
  ) {}

  param(value: unknown): string {
    this.params.push(value);
    return this.dialect.placeholder(this.params.length);
  }

  /** A column as compared: text by code point. */
  column(field: string): string {
    const info = this.fields.get(field);
    if (!info) throw new Error(`unknown field ${field}`);
    const quoted = this.dialect.quoteIdent(field);
    return info.type === 'string' ? `${quoted} COLLATE ${this.dialect.binaryCollation}` : quoted;
  }

  where(p: Predicate): string {
    switch (p.kind) {
      case 'and':
        return p.items.length ? `(${p.items.map((i) => this.where(i)).join(' AND ')})` : '(1=1)';
      case 'or':
        return p.items.length ? `(${p.items.map((i) => this.where(i)).join(' OR ')})` : '(1=0)';
      case 'not':
        return `(NOT ${this.where(p.item)})`;
      case 'cmp':
        return this.comparison(p);
    }
  }

  private comparison(p: Extract<Predicate, { kind: 'cmp' }>): string {
    const raw = this.dialect.quoteIdent(p.field);
    const col = this.column(p.field);
    const guarded = (sql: string) => `(${raw} IS NOT NULL AND ${sql})`;
    const binary = (op: string) => guarded(`${col} ${op} ${this.param(p.value)}`);
    switch (p.op) {
      case 'isNull':
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
        const values = p.value as unknown[];
        if (values.length === 0) return p.op === 'in' ? '(1=0)' : guarded('1=1');
        const list = `${col} IN (${values.map((v) => this.param(v)).join(', ')})`;
        return guarded(p.op === 'in' ? list : `NOT (${list})`);
      }
      case 'contains':
        return guarded(this.dialect.contains(col, this.param(p.value)));
      case 'startsWith':
        return guarded(this.dialect.startsWith(col, this.param(p.value), () => this.param(p.value)));
    }
  }

  orderBy(keys: SortKey[]): string {
    return keys.map((k) => `${this.column(k.field)} ${k.direction}`).join(', ');
  }

  /** Keyset condition "strictly after `after`" for a mixed-direction order. */
  after(keys: SortKey[], after: unknown[]): string {
    const alternatives = keys.map((key, i) => {
      const equal = keys.slice(0, i).map((k, j) => `${this.column(k.field)} = ${this.param(after[j])}`);
      const beyond = `${this.column(key.field)} ${key.direction === 'ASC' ? '>' : '<'} ${this.param(after[i])}`;
      return `(${[...equal, beyond].join(' AND ')})`;
    });
    return `(${alternatives.join(' OR ')})`;
  }

  /** The whole SELECT for a connector query. */
  select(table: string, q: { fields: string[]; where: Predicate | null; orderBy: SortKey[]; after: unknown[] | null; limit: number | null }): string {
    const clauses: string[] = [];
    if (q.where) clauses.push(this.where(q.where));
    if (q.after) clauses.push(this.after(q.orderBy, q.after));
    let text = `SELECT ${q.fields.map((f) => this.dialect.quoteIdent(f)).join(', ')} FROM ${table}`;
    if (clauses.length) text += ` WHERE ${clauses.join(' AND ')}`;
    if (q.orderBy.length) text += ` ORDER BY ${this.orderBy(q.orderBy)}`;
    if (q.limit !== null) text += ` LIMIT ${this.param(q.limit)}`;
    return text;
  }
}
