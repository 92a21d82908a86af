import { UnreadableValue } from '../errors.js';
import { valueText, type LineFormat } from '../lines.js';
import { TEXT_VALUED_TYPES } from './type-parsers.js';

/**
 * PostgreSQL's COPY text format turned into NDJSON or CSV lines byte by byte, without a JS
 * string or object per value for the common types. Reading an export through the row protocol
 * cost about 4 µs a row in the driver (a DataRow parsed, a string per field, an object per row)
 * and as much again in JSON.stringify; `psql \copy` of the same rows takes a tenth of that.
 * Building the JSON in SQL (json_build_object) was no better: it tripled the source's own time.
 *
 * Every line written is what connectors/lines.ts `rowsAsLines` writes for the row `query()`
 * would give, value for value: text, integers, booleans and plain timestamps are transcribed
 * from the bytes; every other type is read with the same type parser the row path uses and
 * written by `valueText`. The conformance tests hold the two paths byte-equal over hostile values.
 */

/** How one column of a COPY line is written. */
export interface CopyColumn {
  /** Its member (JSON) or cell (CSV) name, or null for a column read only for the cursor (a sort field not selected). */
  member: string | null;
  /** The column's type, from the statement's row description. */
  oid: number;
  /** The row path's parser for this type: text as `query()` gives the value. */
  parse: (text: string) => unknown;
  /** Applied to the value before it is written (the engine's masks); forces the parsed path. */
  transform?: (value: unknown) => unknown;
}

/** The column's value by the row path's parser; a value it cannot read is named by the column it was met in. */
function parsed(column: CopyColumn, text: string): unknown {
  try {
    return column.parse(text);
  } catch (error) {
    if (error instanceof UnreadableValue && error.field === null && column.member !== null) throw new UnreadableValue(error.type, column.member, error.message);
    throw error;
  }
}

/** int2 and int4: the row path parses them to numbers, written as the same digits. */
const INTEGER_TYPES = new Set([21, 23]);
const BOOLEAN = 16;
/** timestamp and timestamptz: their usual text forms are rewritten in place (isoOfTimestamp's rule), others parsed. */
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;
/** date: written from the bytes when they are `YYYY-MM-DD`, else parsed (which refuses BC and infinity). */
const DATE = 1082;

const enum Kind {
  Text,
  Date,
  Integer,
  Boolean,
  Timestamp,
  Parsed,
}

const TAB = 0x09;
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const HEX = Buffer.from('0123456789abcdef');
const NULL_JSON = Buffer.from('null');
/** The letter JSON.stringify escapes a byte with after a backslash (\" \\ \b \f \n \r \t), or 0. */
const SHORT_ESCAPE = new Uint8Array(256);
for (const [byte, letter] of [[QUOTE, QUOTE], [BACKSLASH, BACKSLASH], [0x08, 0x62], [0x0c, 0x66], [NEWLINE, 0x6e], [0x0d, 0x72], [TAB, 0x74]] as const) SHORT_ESCAPE[byte] = letter;
/** 1 for the bytes a JSON string holds as they are: none below 0x20, nor the quote or the backslash. */
const PLAIN = new Uint8Array(256).map((_, b) => (b >= 0x20 && b !== QUOTE && b !== BACKSLASH ? 1 : 0));
const TRUE_JSON = Buffer.from('true');
const FALSE_JSON = Buffer.from('false');
const COMMA = 0x2c;
const APOSTROPHE = 0x27;

interface ColumnPlan {
  column: CopyColumn;
  kind: Kind;
  /** What precedes the value (`{"name":` or `,"name":` in NDJSON, `,` between CSV cells), or null when the column is not written. */
  prefix: Buffer | null;
}

/** A COPY line the gateway cannot read: the source's fault, never the client's. */
export class CopyFormatError extends Error {}

/** The output of one batch of input, grown as needed. */
class Output {
  buf: Buffer;
  at = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }
  ensure(extra: number): void {
    if (this.at + extra <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + extra));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
  }
  text(value: string): void {
    this.ensure(Buffer.byteLength(value));
    this.at += this.buf.write(value, this.at);
  }
}

/** The bytes of one COPY text field without its escapes: what the source's output function wrote. */
function unescaped(data: Buffer, start: number, end: number): string {
  let first = start;
  while (first < end && data[first] !== BACKSLASH) if (data[first++] === TAB) throw fieldCount();
  if (first === end) return data.toString('utf8', start, end);
  const plain = Buffer.allocUnsafe(end - start);
  let at = data.copy(plain, 0, start, first);
  for (let i = first; i < end; i++) {
    const b = data[i]!;
    if (b === TAB) throw fieldCount();
    if (b !== BACKSLASH) {
      plain[at++] = b;
      continue;
    }
    plain[at++] = controlOf(data[++i]);
  }
  return plain.toString('utf8', 0, at);
}

/** The byte a COPY escape stands for. COPY TO writes only these (never octal or hex). */
function controlOf(escape: number | undefined): number {
  switch (escape) {
    case BACKSLASH:
      return BACKSLASH;
    case 0x62: // b
      return 0x08;
    case 0x66: // f
      return 0x0c;
    case 0x6e: // n
      return NEWLINE;
    case 0x72: // r
      return 0x0d;
    case 0x74: // t
      return TAB;
    case 0x76: // v
      return 0x0b;
    default:
      throw new CopyFormatError('the source wrote an escape COPY does not write');
  }
}

/**
 * Writes COPY text bytes as a JSON string, escaped exactly as JSON.stringify escapes, into `buf`
 * at `at` (the caller has made room: six bytes per byte in, and the quotes); returns where it ended.
 */
function writeJsonText(data: Buffer, start: number, end: number, buf: Buffer, at: number): number {
  buf[at++] = QUOTE;
  for (let i = start; i < end; i++) {
    let b = data[i]!;
    if (PLAIN[b] === 1) {
      buf[at++] = b;
      continue;
    }
    if (b === BACKSLASH) b = controlOf(data[++i]);
    else if (b === TAB) throw fieldCount();
    const short = SHORT_ESCAPE[b]!;
    buf[at++] = BACKSLASH;
    if (short !== 0) {
      buf[at++] = short;
      continue;
    }
    // Any other control character, as JSON.stringify writes it: \u00xx in lower case.
    buf[at++] = 0x75;
    buf[at++] = 0x30;
    buf[at++] = 0x30;
    buf[at++] = HEX[b >> 4]!;
    buf[at++] = HEX[b & 15]!;
  }
  buf[at++] = QUOTE;
  return at;
}

/**
 * Whether the cell's text starts as csv-stringify's escape_formulas sees a formula: = + - @, a
 * tab or a carriage return (COPY writes them \t and \r), or their fullwidth forms.
 */
function startsLikeFormula(data: Buffer, start: number, end: number): boolean {
  if (start === end) return false;
  const b = data[start]!;
  if (b === 0x3d || b === 0x2b || b === 0x2d || b === 0x40) return true;
  if (b === BACKSLASH) return data[start + 1] === 0x74 || data[start + 1] === 0x72;
  // U+FF1D, U+FF0B, U+FF0D, U+FF20 in UTF-8.
  if (b !== 0xef || data[start + 1] !== 0xbc || start + 2 >= end) return false;
  const c = data[start + 2];
  return c === 0x9d || c === 0x8b || c === 0x8d || c === 0xa0;
}

/**
 * Writes COPY text bytes as a CSV cell, as csv-stringify writes a string with escape_formulas:
 * an apostrophe before what starts like a formula, and quotes around a cell holding a comma, a
 * quote or a line break, its quotes doubled. Room: three bytes per byte in, and four more.
 */
function writeCsvText(data: Buffer, start: number, end: number, buf: Buffer, at: number): number {
  let quoted = false;
  for (let i = start; i < end && !quoted; i++) {
    const b = data[i]!;
    if (b === COMMA || b === QUOTE) quoted = true;
    else if (b === BACKSLASH) quoted = data[++i] === 0x6e || data[i] === 0x72;
  }
  if (quoted) buf[at++] = QUOTE;
  if (startsLikeFormula(data, start, end)) buf[at++] = APOSTROPHE;
  for (let i = start; i < end; i++) {
    let b = data[i]!;
    if (b === BACKSLASH) b = controlOf(data[++i]);
    else if (b === TAB) throw fieldCount();
    if (b === QUOTE) buf[at++] = QUOTE;
    buf[at++] = b;
  }
  if (quoted) buf[at++] = QUOTE;
  return at;
}

/**
 * Reads COPY text output (tab-separated fields, `\N` for null, one row per line) chunk by chunk
 * and writes each row as a line of `format`, up to `maxRows` rows; a row past them only sets `more`.
 * Lines may be split across chunks; `end()` refuses a last line left incomplete.
 */
export class CopyToLines {
  /** Rows written so far. */
  rows = 0;
  /** Whether the source had a row past `maxRows`. */
  more = false;
  private readonly plans: ColumnPlan[];
  /** The bytes of every member's prefix, together. */
  private readonly prefixBytes: number;
  /** Input after the last complete line: the start of one line, kept as its chunks and joined once the line ends. */
  private pending: Buffer[] = [];
  /** Where the last written row starts, for the cursor. */
  private lastData: Buffer | null = null;
  private lastStart = 0;

  private readonly csv: boolean;

  constructor(
    columns: CopyColumn[],
    private readonly maxRows: number,
    private readonly format: LineFormat,
  ) {
    this.csv = format === 'csv';
    let written = 0;
    this.plans = columns.map((column) => {
      const kind = kindOf(column);
      const first = column.member !== null && written++ === 0;
      const prefix = column.member === null ? null : Buffer.from(this.csv ? (first ? '' : ',') : `${first ? '{' : ','}${JSON.stringify(column.member)}:`);
      return { column, kind, prefix };
    });
    this.prefixBytes = this.plans.reduce((sum, plan) => sum + (plan.prefix?.length ?? 0), 0);
  }

  /** The lines for the complete COPY lines this chunk ends, or null when it ends none. */
  push(chunk: Buffer): Buffer | null {
    if (this.more) return null;
    const last = chunk.lastIndexOf(NEWLINE);
    if (last === -1) {
      // Not joined yet: joining on every chunk of a long value copied it over and over.
      if (chunk.length > 0) this.pending.push(chunk);
      return null;
    }
    const head = this.pending.length > 0 ? Buffer.concat([...this.pending, chunk.subarray(0, last + 1)]) : chunk.subarray(0, last + 1);
    this.pending = last + 1 < chunk.length ? [chunk.subarray(last + 1)] : [];
    return this.lines(head);
  }

  /** Writes the complete lines `data` holds (it ends with a newline). */
  private lines(data: Buffer): Buffer | null {
    const last = data.length - 1;
    // Member names roughly double the bytes of a line of short values.
    const out = new Output(Math.max(4096, (last + 1) * 2));
    let pos = 0;
    while (pos <= last) {
      if (this.rows >= this.maxRows) {
        this.more = true;
        this.pending = [];
        break;
      }
      const lineEnd = data.indexOf(NEWLINE, pos);
      this.lastData = data;
      this.lastStart = pos;
      this.writeLine(data, pos, lineEnd, out);
      this.rows++;
      pos = lineEnd + 1;
    }
    return out.at > 0 ? out.buf.subarray(0, out.at) : null;
  }

  /** Ends the input; a partial last line is the source's fault. */
  end(): void {
    if (this.pending.length > 0 && !this.more) throw new CopyFormatError('the source ended a COPY line early');
  }

  /**
   * The text of every column of the last row written, as the source wrote it (null for null), in
   * column order: the cursor's values. Not the values the row path reads: an int8 past 2^53, a
   * numeric or a timestamp to the microsecond would come back rounded, and a page starting after
   * a rounded key repeats or skips rows.
   */
  lastTexts(): (string | null)[] | null {
    const data = this.lastData;
    if (!data) return null;
    const lineEnd = data.indexOf(NEWLINE, this.lastStart);
    const texts: (string | null)[] = [];
    let pos = this.lastStart;
    for (let c = 0; c < this.plans.length; c++) {
      const to = this.fieldEnd(data, pos, lineEnd, c === this.plans.length - 1);
      texts.push(isNull(data, pos, to) ? null : unescaped(data, pos, to));
      pos = to + 1;
    }
    return texts;
  }

  /** Where the field starting at `pos` ends; refuses a line with too few fields. */
  private fieldEnd(data: Buffer, pos: number, lineEnd: number, lastColumn: boolean): number {
    // The last field runs to the line's end; a tab left in it (one field too many) is refused by
    // whatever reads its bytes, so no scan runs past the line.
    if (lastColumn) return lineEnd;
    const tab = data.indexOf(TAB, pos);
    if (tab === -1 || tab > lineEnd) throw fieldCount();
    return tab;
  }

  private writeLine(data: Buffer, start: number, lineEnd: number, out: Output): void {
    const plans = this.plans;
    const csv = this.csv;
    // Room for every byte of the line escaped, the prefixes and the line's ends; a parsed value
    // makes its own room.
    const room = (from: number) => (lineEnd - from) * 6 + this.prefixBytes + 8;
    out.ensure(room(start));
    let buf = out.buf;
    let at = out.at;
    let pos = start;
    for (let c = 0; c < plans.length; c++) {
      const plan = plans[c]!;
      const from = pos;
      const to = this.fieldEnd(data, pos, lineEnd, c === plans.length - 1);
      pos = to + 1;
      const prefix = plan.prefix;
      if (!prefix) continue;
      for (let i = 0; i < prefix.length; i++) buf[at++] = prefix[i]!;
      const column = plan.column;
      const empty = isNull(data, from, to);
      if ((plan.kind === Kind.Text || (plan.kind === Kind.Date && isPlainDate(data, from, to))) && !empty) {
        at = csv ? writeCsvText(data, from, to, buf, at) : writeJsonText(data, from, to, buf, at);
      } else if (plan.kind === Kind.Integer && !empty) {
        for (let i = from; i < to; i++) {
          const b = data[i]!;
          if ((b < 0x30 || b > 0x39) && !(b === 0x2d && i === from)) throw new CopyFormatError('the source wrote an integer that is not one');
          buf[at++] = b;
        }
      } else if (plan.kind === Kind.Boolean && !empty) {
        if (to - from !== 1 || (data[from] !== 0x74 && data[from] !== 0x66)) throw new CopyFormatError('the source wrote a boolean that is not one');
        // csv-stringify writes true as 1 and false as an empty cell.
        if (csv) {
          if (data[from] === 0x74) buf[at++] = 0x31;
        } else {
          const word = data[from] === 0x74 ? TRUE_JSON : FALSE_JSON;
          for (let i = 0; i < word.length; i++) buf[at++] = word[i]!;
        }
      } else if (plan.kind === Kind.Timestamp && !empty && isPlainTimestamp(data, from, to, column.oid === TIMESTAMPTZ)) {
        at = writeInstant(data, from, column.oid === TIMESTAMPTZ ? to - 3 : to, buf, at, !csv);
      } else if (empty && !column.transform) {
        if (!csv) for (let i = 0; i < NULL_JSON.length; i++) buf[at++] = NULL_JSON[i]!;
      } else {
        const value = empty ? null : parsed(column, unescaped(data, from, to));
        out.at = at;
        out.text(valueText(column.transform ? column.transform(value) : value, this.format));
        out.ensure(room(pos));
        buf = out.buf;
        at = out.at;
      }
    }
    if (!csv) {
      // With no member at all the line is `{}`, as JSON.stringify writes an empty row.
      if (this.prefixBytes === 0) buf[at++] = 0x7b;
      buf[at++] = 0x7d;
    }
    buf[at++] = NEWLINE;
    out.at = at;
  }
}

const isDigit = (b: number | undefined) => b !== undefined && b >= 0x30 && b <= 0x39;

/**
 * Whether the bytes are `YYYY-MM-DD HH:MM:SS[.f{1,6}]`, followed by `+00` for a timestamptz (the
 * session in UTC): the forms isoOfTimestamp builds from the text. Any other form is parsed.
 */
/** How a column's values are written: from the bytes where its type allows, else parsed. */
function kindOf(column: CopyColumn): Kind {
  if (column.transform) return Kind.Parsed;
  if (TEXT_VALUED_TYPES.has(column.oid)) return Kind.Text;
  if (column.oid === DATE) return Kind.Date;
  if (INTEGER_TYPES.has(column.oid)) return Kind.Integer;
  if (column.oid === BOOLEAN) return Kind.Boolean;
  if (column.oid === TIMESTAMP || column.oid === TIMESTAMPTZ) return Kind.Timestamp;
  return Kind.Parsed;
}

/** Whether the bytes are a date as `YYYY-MM-DD` (type-parsers' PLAIN_DATE). */
function isPlainDate(data: Buffer, from: number, to: number): boolean {
  if (to - from !== 10) return false;
  for (let i = 0; i < 10; i++) {
    const b = data[from + i];
    if (i === 4 || i === 7 ? b !== 0x2d : !isDigit(b)) return false;
  }
  return true;
}

function isPlainTimestamp(data: Buffer, from: number, to: number, utc: boolean): boolean {
  const end = utc ? to - 3 : to;
  if (utc && (data[end] !== 0x2b || data[end + 1] !== 0x30 || data[end + 2] !== 0x30)) return false;
  const length = end - from;
  if (length !== 19 && (length < 21 || length > 26)) return false;
  for (let i = 0; i < 19; i++) {
    const b = data[from + i];
    const separator = i === 4 || i === 7 ? 0x2d : i === 10 ? 0x20 : i === 13 || i === 16 ? 0x3a : -1;
    if (separator === -1 ? !isDigit(b) : b !== separator) return false;
  }
  if (length === 19) return true;
  if (data[from + 19] !== 0x2e) return false;
  for (let i = from + 20; i < end; i++) if (!isDigit(data[i])) return false;
  return true;
}

/**
 * A plain timestamp's bytes (isPlainTimestamp) as `YYYY-MM-DDTHH:MM:SS.mmmZ`, in JSON quotes when
 * `quoted`: the fraction cut or padded to milliseconds. `to` is where it ends, before any `+00`.
 */
function writeInstant(data: Buffer, from: number, to: number, buf: Buffer, at: number, quoted: boolean): number {
  if (quoted) buf[at++] = QUOTE;
  for (let i = 0; i < 19; i++) buf[at++] = i === 10 ? 0x54 : data[from + i]!;
  buf[at++] = 0x2e;
  // The fraction's digits start after the dot at 19, when there is one.
  for (let i = from + 20; i < from + 23; i++) buf[at++] = i < to ? data[i]! : 0x30;
  buf[at++] = 0x5a; // Z
  if (quoted) buf[at++] = QUOTE;
  return at;
}

const fieldCount = () => new CopyFormatError('the source wrote a COPY line with another number of fields than asked for');

const isNull = (data: Buffer, from: number, to: number) => to - from === 2 && data[from] === BACKSLASH && data[from + 1] === 0x4e;
