import pg from 'pg';
import { UnreadableValue } from '../errors.js';

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
  if (Number.isNaN(date.getTime())) throw new UnreadableValue('datetime', null, `the source holds the timestamp "${text}", which has no date-time form`);
  return date.toISOString();
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
        return (v: string) => v;
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
 * bpchar, name and uuid, and the date parser above. The COPY transcription writes them from the bytes.
 */
export const TEXT_VALUED_TYPES: ReadonlySet<number> = new Set([25, 1043, 1042, 19, 2950, 1082]);
