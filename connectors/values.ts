import type { RecordField } from './schema.js';
import type { Row } from './contract.js';
import { UnreadableValue } from './errors.js';

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Brings a value from a source into the record schema's form: dates `YYYY-MM-DD`, date-times
 * ISO 8601 in UTC, booleans from 0/1 or text, numbers from numeric text. A value that cannot be
 * read as its type is reported (UnreadableValue), never passed on as the wrong type. Its message
 * never quotes the value: it is logged, and the value is the source's data, often personal.
 */
export function coerceValue(field: RecordField, value: unknown): unknown {
  if (value === null || value === undefined || value === '') return null;
  switch (field.type) {
    case 'string':
      if (typeof value === 'string') return value;
      // A number or a driver's scalar (ObjectId, Decimal128) reads as text; a structure would read as "[object Object]".
      if (Array.isArray(value) || isPlainObject(value)) throw new UnreadableValue(field.type, field.name, `${field.name}: a structure is not text`);
      return String(value);
    case 'integer':
    case 'number': {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(n) || (field.type === 'integer' && !Number.isInteger(n))) throw new UnreadableValue(field.type, field.name, `${field.name}: the value is not a ${field.type}`);
      return n;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 1 || value === '1' || value === 'true') return true;
      if (value === 0 || value === '0' || value === 'false') return false;
      throw new UnreadableValue(field.type, field.name, `${field.name}: the value is not a boolean`);
    case 'date': {
      if (value instanceof Date) return `${value.getUTCFullYear()}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())}`;
      const text = String(value);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) throw new UnreadableValue(field.type, field.name, `${field.name}: the value is not a date`);
      return text;
    }
    case 'datetime': {
      const date = value instanceof Date ? value : new Date(String(value).replace(' ', 'T') + (/[zZ]|[+-]\d\d:?\d\d$/.test(String(value)) ? '' : 'Z'));
      if (Number.isNaN(date.getTime())) throw new UnreadableValue(field.type, field.name, `${field.name}: the value is not a date-time`);
      return date.toISOString();
    }
  }
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
