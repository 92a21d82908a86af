import pg from 'pg';
import type { SortKey } from '../../connectors/contract.js';
import type { PersonRow } from '../sample-rows.js';
import { PG_URL } from '../sources.js';

/**
 * The independent oracle of the conformance suites: PostgreSQL over the same rows, answering the
 * portable filter as API.md defines it, written here directly in SQL. It shares no code with the
 * in-process evaluator (connectors/filter.ts) nor with the connectors' SQL builder, and uses
 * other means for the same meaning (COALESCE for two-valued comparisons, `= ANY` for lists,
 * strpos for both text operators), so a slip in either shows up as a disagreement.
 */
export interface Oracle {
  /** The keys of the rows `where` matches, in code-point order. */
  matching(where: Record<string, unknown> | null): Promise<string[]>;
  /** The keys of the matching rows in the order `orderBy` (then the key ascending, unless it is named). */
  ordered(where: Record<string, unknown> | null, orderBy: SortKey[]): Promise<string[]>;
  close(): Promise<void>;
}

const COLUMNS: Record<keyof PersonRow, string> = {
  citizenId: 'text',
  fullName: 'text',
  district: 'text',
  birthYear: 'integer',
  birthDate: 'date',
  income: 'numeric',
  active: 'boolean',
  note: 'text',
};
const isColumn = (name: string): name is keyof PersonRow => Object.hasOwn(COLUMNS, name);
const quoted = (name: keyof PersonRow) => `"${name}"`;
/** Text compares by code point, as the API says. */
const compared = (name: keyof PersonRow) => (COLUMNS[name] === 'text' ? `${quoted(name)} COLLATE "C"` : quoted(name));

const COMPARE: Record<string, string> = { eq: '=', ne: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=' };

function condition(where: unknown, params: unknown[]): string {
  if (typeof where !== 'object' || where === null) throw new Error(`oracle: not a filter: ${JSON.stringify(where)}`);
  const param = (value: unknown, type: string) => {
    params.push(value);
    return `$${params.length}::${type}`;
  };
  const parts: string[] = [];
  for (const [key, value] of Object.entries(where)) {
    if (key === 'and' || key === 'or') parts.push(`(${(value as unknown[]).map((v) => condition(v, params)).join(key === 'and' ? ' AND ' : ' OR ')})`);
    else if (key === 'not') parts.push(`(NOT ${condition(value, params)})`);
    else {
      if (!isColumn(key)) throw new Error(`oracle: unknown field ${key}`);
      const type = COLUMNS[key];
      for (const [op, operand] of Object.entries(value as Record<string, unknown>)) {
        const known = (sql: string) => `COALESCE(${sql}, FALSE)`;
        if (op === 'isNull') parts.push(operand ? `${quoted(key)} IS NULL` : `${quoted(key)} IS NOT NULL`);
        else if (op in COMPARE) parts.push(known(`${compared(key)} ${COMPARE[op]} ${param(operand, type)}`));
        else if (op === 'in') parts.push(known(`${compared(key)} = ANY(${param(operand, `${type}[]`)})`));
        else if (op === 'nin') parts.push(`(${quoted(key)} IS NOT NULL AND ${known(`${compared(key)} <> ALL(${param(operand, `${type}[]`)})`)})`);
        else if (op === 'contains') parts.push(known(`strpos(${quoted(key)}, ${param(operand, 'text')}) > 0`));
        else if (op === 'startsWith') parts.push(known(`strpos(${quoted(key)}, ${param(operand, 'text')}) = 1`));
        else throw new Error(`oracle: unknown operator ${op}`);
      }
    }
  }
  return parts.length > 0 ? `(${parts.join(' AND ')})` : 'TRUE';
}

/** Loads `rows` into a temporary table of a session of its own (gone when the oracle closes). */
export async function startOracle(rows: PersonRow[], key: keyof PersonRow = 'citizenId'): Promise<Oracle> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  const names = Object.keys(COLUMNS) as (keyof PersonRow)[];
  await client.query(`CREATE TEMP TABLE oracle_people (${names.map((n) => `${quoted(n)} ${COLUMNS[n]}`).join(', ')})`);
  for (const row of rows) await client.query(`INSERT INTO oracle_people VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})`, names.map((n) => row[n]));
  const keys = async (where: Record<string, unknown> | null, orderBy: SortKey[]) => {
    const params: unknown[] = [];
    const order = [...orderBy.filter((k) => k.field !== key), orderBy.find((k) => k.field === key) ?? { field: key, direction: 'ASC' }].map((k) => {
      if (!isColumn(k.field)) throw new Error(`oracle: unknown sort field ${k.field}`);
      return `${compared(k.field)} ${k.direction === 'DESC' ? 'DESC' : 'ASC'}`;
    });
    const result = await client.query<Record<string, string>>(`SELECT ${quoted(key)} AS key FROM oracle_people WHERE ${where ? condition(where, params) : 'TRUE'} ORDER BY ${order.join(', ')}`, params);
    return result.rows.map((r) => r['key']!);
  };
  return {
    matching: (where) => keys(where, []),
    ordered: keys,
    close: () => client.end(),
  };
}
