import pg from 'pg';
import { UnreadableValue } from '../errors.js';
import type { FieldType } from '../schema.js';

/**
 * How the PostgreSQL connector reads each type's text, in one place for both its paths: the
 * driver's rows and the COPY transcription (copy-lines.ts), which must write what these give.
 */

/** `YYYY-MM-DD HH:MM:SS[.fraction]`, PostgreSQL's text form of a `timestamp` in years 1–9999. */
const PLAIN_TIMESTAMP = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?$/;

/**
 * An instant Date reads from `text`, else UnreadableValue: BC, years past 9999 and ±infinity
 * have no ISO 8601 form that the record schema's date-time admits.
 */
function isoByDate(text: string): string {
  const date = new Date(text);
  // Date reads some years past 9999 too, and writes them `+010000-…`, which is no date-time.
  const iso = Number.isNaN(date.getTime()) ? '' : date.toISOString();
  if (iso.length !== 24) throw new UnreadableValue('datetime', null, 'the source holds a timestamp with no date-time form (BC, past the year 9999, or infinity)');
  return iso;
}

/** `YYYY-MM-DD`: PostgreSQL's text of a `date` in years 1–9999; BC and ±infinity are not dates of the record schema. */
const PLAIN_DATE = /^\d{4}-\d{2}-\d{2}$/;

function dateText(text: string): string {
  if (!PLAIN_DATE.test(text)) throw new UnreadableValue('date', null, 'the source holds a date with no date form (BC, past the year 9999, or infinity)');
  return text;
}

/**
 * A `timestamp` (without time zone, read as UTC) as an ISO instant with milliseconds, as
 * `Date#toISOString` writes it. Built from the text for the usual form, since a Date per value
 * was a tenth of an export's CPU. Other forms (BC, years past 9999, infinity) go through Date,
 * which refuses them: the read fails, the field unreadable.
 */
export function isoOfTimestamp(text: string): string {
  const match = PLAIN_TIMESTAMP.exec(text);
  if (!match) return isoByDate(`${text.replace(' ', 'T')}Z`);
  return `${match[1]}T${match[2]}.${(match[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
}

/** A `timestamptz` as PostgreSQL writes it in ISO style: a plain timestamp and the session's offset (`+07`, `-03:30`, `+00:19:32`). */
const ZONED_TIMESTAMP = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)([+-])(\d{2})(?::(\d{2}))?(?::(\d{2}))?$/;

/**
 * A `timestamptz` as an ISO instant with milliseconds, built from the text and its offset. Not
 * Date's reading of the text: besides costing a fifth of an export's CPU, it reads years 0–99 as
 * 1900–1999. Other forms (BC, years past 9999, infinity) go through Date, which refuses them.
 */
export function isoOfTimestamptz(text: string): string {
  const zoned = ZONED_TIMESTAMP.exec(text);
  if (!zoned) return isoByDate(text);
  const utc = isoOfTimestamp(zoned[1]!);
  const offsetSeconds = (Number(zoned[3]) * 3600 + Number(zoned[4] ?? 0) * 60 + Number(zoned[5] ?? 0)) * (zoned[2] === '-' ? -1 : 1);
  return offsetSeconds === 0 ? utc : new Date(Date.parse(utc) - offsetSeconds * 1000).toISOString();
}

/** Values in the record schema's forms: dates as YYYY-MM-DD, timestamps as ISO, int8/numeric as numbers. */
export const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    switch (oid) {
      case 1082: // date
        return dateText;
      case 1114: // timestamp
        return isoOfTimestamp;
      case 1184: // timestamptz
        return isoOfTimestamptz;
      case 20: // int8
      case 1700: // numeric
        return (v: string) => Number(v);
      default:
        return pg.types.getTypeParser(oid, format as 'text');
    }
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * Types whose value, as typeParsers reads it, is the text itself: pg's parsers for text, varchar,
 * bpchar, name and uuid. The COPY transcription writes them from the bytes; dates too, once their
 * bytes are seen to be in the plain form (dateText's rule).
 */
export const TEXT_VALUED_TYPES: ReadonlySet<number> = new Set([25, 1043, 1042, 19, 2950]);

/**
 * The column types whose values typeParsers gives already in each record schema type's form, so
 * that they need no check per value. A column of any other type (text in an integer field,
 * numeric or a float in a number field, which may hold NaN) is read as the other connectors read
 * theirs, value by value (values.ts coerceValue), and a value that does not fit fails the read.
 */
const CONFORMING: Record<FieldType, ReadonlySet<number>> = {
  string: TEXT_VALUED_TYPES,
  integer: new Set([21, 23, 20]),
  number: new Set([21, 23, 20]),
  boolean: new Set([16]),
  date: new Set([1082]),
  datetime: new Set([1114, 1184]),
};

export const conforms = (oid: number, type: FieldType): boolean => CONFORMING[type].has(oid);
