import type { RecordField } from './schema.js';
import type { Row } from './contract.js';
import { UnreadableValue } from './errors.js';

/**
 * Brings a value from a source into the record schema's form: dates `YYYY-MM-DD`, date-times
 * ISO 8601 in UTC, booleans from 0/1 or text, numbers from numeric text. A value that cannot be
 * read as its type is reported (UnreadableValue), never passed on as the wrong type. Its message
 * never quotes the value: it is logged, and the value is the source's data, often personal.
 */
export function coerceValue(field: RecordField, value: unknown): unknown {
  if (value === null || value === undefined || value === '') return null;
  switch (field.type) {
    case 'string': {
      if (typeof value === 'string') return value;
      // A number or a driver's scalar (ObjectId, Decimal128) reads as text; a structure, bytes or
      // an object without a text form of its own (an interval) would read as "[object …]" or worse.
      const text = Array.isArray(value) || isPlainObject(value) || value instanceof Uint8Array ? null : String(value);
      if (text === null || text.startsWith('[object ')) throw new UnreadableValue(field.type, field.name, `${field.name}: a structure is not text`);
      return text;
    }
    case 'integer':
    case 'number': {
      // Text only in decimal notation: Number() also reads "   " as 0 and "0x1F" as 31.
      const n = typeof value === 'number' ? value : DECIMAL.test(String(value)) ? Number(value) : Number.NaN;
      if (!Number.isFinite(n) || (field.type === 'integer' && !Number.isInteger(n))) throw new UnreadableValue(field.type, field.name, `${field.name}: the value is not a ${field.type}`);
      return n;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 1 || value === '1' || value === 'true') return true;
      if (value === 0 || value === '0' || value === 'false') return false;
      throw new UnreadableValue(field.type, field.name, `${field.name}: the value is not a boolean`);
    case 'date': {
      const text = value instanceof Date ? (isoInstant(value)?.slice(0, 10) ?? '') : String(value);
      if (!isCalendarDate(text)) throw new UnreadableValue(field.type, field.name, `${field.name}: the value is not a date`);
      return text;
    }
    case 'datetime': {
      const text = String(value);
      const date = value instanceof Date ? value : ISO_DATE_TIME.test(text) ? new Date(text.replace(' ', 'T') + (/[zZ]|[+-]\d\d(?::?\d\d)?$/.test(text) ? '' : 'Z')) : null;
      const iso = date && isoInstant(date);
      if (!iso) throw new UnreadableValue(field.type, field.name, `${field.name}: the value is not a date-time`);
      return iso;
    }
  }
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** ISO 8601 as sources write it: a four-digit year, a time if any after `T` or a space, an offset if any. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:[zZ]|[+-]\d{2}(?::?\d{2})?)?$/;

/** The instant as the record schema writes it, in years 0000–9999; null for an invalid date or one beyond. */
function isoInstant(date: Date): string | null {
  const iso = Number.isNaN(date.getTime()) ? '' : date.toISOString();
  return iso.length === 24 ? iso : null;
}

/** `YYYY-MM-DD` naming a day of the calendar: not 2024-02-30, nor 0000-00-00. */
function isCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year);
  return month >= 1 && month <= 12 && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const isPlainObject = (value: unknown): boolean => typeof value === 'object' && value !== null && [Object.prototype, null].includes(Object.getPrototypeOf(value));

/**
 * Keeps the requested fields of a source row, each in its schema form. Only the row's own
 * properties count: a field the source lacks is empty, never a member every object inherits.
 */
export function coerceRow(source: Record<string, unknown>, fields: RecordField[]): Row {
  const row: Row = {};
  for (const field of fields) row[field.name] = coerceValue(field, Object.hasOwn(source, field.name) ? source[field.name] : undefined);
  return row;
}
