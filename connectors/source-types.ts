import type { SourceField } from './contract.js';
import type { FieldType } from './schema.js';

/**
 * How a source without declared column types (a MongoDB collection, a CSV file, a JSON API) is
 * typed for drift checks: from a sample of its records, by one rule for every connector. SQL
 * sources declare their column types instead (sql/table-options.ts SQL_SOURCE_TYPES).
 *
 * A value is typed as coerceRow (values.ts) would read it: null, undefined and '' are empty;
 * numbers are integers when whole; Date objects are date-times; strings shaped as a date or an
 * ISO date-time are dates or date-times. In text cells (CSV) numbers and booleans are read off
 * the text too. Objects and arrays map to no platform type.
 */
export interface Sampling {
  /** `text`: every value is text to be read (CSV); `typed`: values carry their own types (JSON, BSON). */
  cells: 'text' | 'typed';
  /** Names the source kind in `sourceType` (`csv`, `json`, `bson`). */
  label: string;
  /** Records read at most. */
  limit: number;
  /** Source fields that are not the dataset's (MongoDB's `_id`). */
  skip?: readonly string[];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d*\.\d+$/;

type Observed = FieldType | 'empty' | 'unservable';

function valueType(value: unknown, cells: Sampling['cells']): Observed {
  if (value === null || value === undefined || value === '') return 'empty';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isFinite(value) ? (Number.isInteger(value) ? 'integer' : 'number') : 'unservable';
  if (value instanceof Date) return 'datetime';
  if (typeof value !== 'string') return 'unservable';
  if (DATE.test(value)) return 'date';
  if (DATETIME.test(value)) return 'datetime';
  if (cells === 'text') {
    if (INTEGER.test(value)) return 'integer';
    if (DECIMAL.test(value)) return 'number';
    if (value === 'true' || value === 'false') return 'boolean';
  }
  return 'string';
}

/**
 * The one widening rule: integers and numbers make numbers, dates and date-times make
 * date-times, any other mix is text (every scalar reads as a string), and a value the platform
 * cannot serve makes the whole field unservable.
 */
function widen(known: FieldType | 'unservable', seen: FieldType | 'unservable'): FieldType | 'unservable' {
  if (known === seen) return known;
  if (known === 'unservable' || seen === 'unservable') return 'unservable';
  const pair = new Set([known, seen]);
  if (pair.has('integer') && pair.has('number')) return 'number';
  if (pair.has('date') && pair.has('datetime')) return 'datetime';
  return 'string';
}

/**
 * The fields of a sample of records, typed by the rule above. A field missing from some records
 * is nullable (it is read as null there); one only ever empty has type null and source type `null`.
 */
export async function sampledFields(records: AsyncIterable<Record<string, unknown>> | Iterable<Record<string, unknown>>, how: Sampling): Promise<SourceField[]> {
  const seen = new Map<string, { type: FieldType | 'unservable' | null; nullable: boolean; records: number }>();
  let n = 0;
  for await (const record of records) {
    for (const [name, value] of Object.entries(record)) {
      if (how.skip?.includes(name)) continue;
      const known = seen.get(name) ?? { type: null, nullable: false, records: 0 };
      known.records += 1;
      const observed = valueType(value, how.cells);
      if (observed === 'empty') known.nullable = true;
      else known.type = known.type === null ? observed : widen(known.type, observed);
      seen.set(name, known);
    }
    if (++n >= how.limit) break;
  }
  return [...seen].map(([name, { type, nullable, records }]) => ({
    name,
    type: type === 'unservable' ? null : type,
    nullable: nullable || records < n,
    sourceType: type === null ? 'null' : type === 'unservable' ? `${how.label} object` : how.label,
  }));
}
