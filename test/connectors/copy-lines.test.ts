import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'csv-stringify/sync';
import { CSV_OPTIONS, type LineFormat } from '../../connectors/lines.js';
import { CopyFormatError, CopyToLines, type CopyColumn } from '../../connectors/postgres/copy-lines.js';
import { isoOfTimestamp, isoOfTimestamptz } from '../../connectors/postgres/type-parsers.js';

/**
 * The COPY transcription alone, against an independent encoder of COPY's text format (as
 * PostgreSQL's CopyAttributeOutText writes it) and JSON.stringify, with the input cut into
 * chunks at arbitrary places, as sockets cut it.
 */
function copyText(value: string | null): string {
  if (value === null) return '\\N';
  const escapes: Record<string, string> = { '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };
  return value.replace(/[\\\b\f\n\r\t\v]/g, (c) => escapes[c]!);
}

const identity = (text: string) => text;
const text = (member: string | null): CopyColumn => ({ member, oid: 25, parse: identity });
const integer = (member: string): CopyColumn => ({ member, oid: 23, parse: (t: string) => Number.parseInt(t, 10) });
const boolean = (member: string): CopyColumn => ({ member, oid: 16, parse: (t: string) => t === 't' });
const timestamptz = (member: string): CopyColumn => ({ member, oid: 1184, parse: isoOfTimestamptz });
const timestamp = (member: string): CopyColumn => ({ member, oid: 1114, parse: isoOfTimestamp });

function transcribe(columns: CopyColumn[], input: Buffer, cuts: number[], maxRows = Number.MAX_SAFE_INTEGER, format: LineFormat = 'ndjson'): { text: string; copy: CopyToLines } {
  const copy = new CopyToLines(columns, maxRows, format);
  const out: Buffer[] = [];
  let at = 0;
  for (const cut of [...cuts.map((c) => Math.floor(c * input.length)).sort((a, b) => a - b), input.length]) {
    const written = copy.push(input.subarray(at, Math.max(at, cut)));
    if (written) out.push(written);
    at = Math.max(at, cut);
  }
  copy.end();
  return { text: Buffer.concat(out).toString('utf8'), copy };
}

/** Any text PostgreSQL can hold: no NUL, no lone surrogate (UTF-8 has none). */
const anyText = fc
  .oneof(fc.string({ unit: 'binary' }), fc.constantFrom('', '\\', '\\N', '"', '\u001f', '\u007f', 'Tiếng Việt', '😀'))
  .filter((s) => !s.includes('\u0000') && Buffer.from(s).toString() === s);

describe('COPY text to NDJSON and CSV', () => {
  it('writes each row as JSON.stringify does, however the input is cut', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.option(anyText), fc.integer({ min: -2147483648, max: 2147483647 }), fc.boolean(), fc.option(anyText)), { maxLength: 20 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
        (rows, cuts) => {
          const input = Buffer.from(rows.map(([a, n, b, c]) => `${copyText(a)}\t${n}\t${b ? 't' : 'f'}\t${copyText(c)}\n`).join(''));
          const { text: out, copy } = transcribe([text('a'), integer('n'), boolean('b'), text('c')], input, cuts);
          expect(out).toBe(rows.map(([a, n, b, c]) => `${JSON.stringify({ a, n, b, c })}\n`).join(''));
          expect(copy.rows).toBe(rows.length);
          expect(copy.more).toBe(false);
        },
      ),
    );
  });

  it('writes each row as csv-stringify with escape_formulas does, however the input is cut', () => {
    const formulaText = fc.oneof(anyText, fc.constantFrom('=1+1', '+1', '-2', '@SUM(A1)', '\tx', '\rx', '＝1', '＋1', '－1', '＠x', 'a,b', 'say "hi"', 'line\nbreak', 'ret\r', "'quoted'"));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.option(formulaText), fc.integer({ min: -2147483648, max: 2147483647 }), fc.boolean(), fc.option(formulaText)), { maxLength: 20 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
        (rows, cuts) => {
          const input = Buffer.from(rows.map(([a, n, b, c]) => `${copyText(a)}\t${n}\t${b ? 't' : 'f'}\t${copyText(c)}\n`).join(''));
          const { text: out } = transcribe([text('a'), integer('n'), boolean('b'), text('c')], input, cuts, undefined, 'csv');
          expect(out).toBe(rows.length ? stringify(rows.map(([a, n, b, c]) => [a ?? '', n, b, c ?? '']), CSV_OPTIONS) : '');
        },
      ),
    );
  });

  it('writes timestamps as the row path does, in place or parsed', () => {
    const stamps = ['2024-05-01 08:00:00', '2024-05-01 08:00:00.1', '2024-05-01 08:00:00.123456', '0099-12-31 23:59:59.9999'];
    const zoned = ['2024-05-01 08:00:00+00', '2024-05-01 08:00:00.5+00', '2024-05-01 08:00:00+07', '0099-12-31 23:59:59.99-03:30', '2024-05-01 08:00:00+00:19:32'];
    for (const stamp of stamps) {
      for (const zone of zoned) {
        const { text: out } = transcribe([timestamp('at'), timestamptz('atz')], Buffer.from(`${stamp}\t${zone}\n`), []);
        expect(out).toBe(`${JSON.stringify({ at: isoOfTimestamp(stamp), atz: isoOfTimestamptz(zone) })}\n`);
        const { text: cells } = transcribe([timestamp('at'), timestamptz('atz')], Buffer.from(`${stamp}\t${zone}\n`), [], undefined, 'csv');
        expect(cells).toBe(stringify([[isoOfTimestamp(stamp), isoOfTimestamptz(zone)]], CSV_OPTIONS));
      }
    }
    // Forms the row path cannot read fail here too, named by the column they were met in.
    for (const unreadable of ['1999-01-01 00:00:00 BC', 'infinity']) {
      expect(() => transcribe([timestamp('at')], Buffer.from(`${unreadable}\n`), []), unreadable).toThrow(expect.objectContaining({ name: 'UnreadableValue', field: 'at', type: 'datetime' }));
    }
  });

  it('stops writing at maxRows, says there are more, and keeps the exact text of the last written row for the cursor', () => {
    const input = Buffer.from('a\t1\nb\t2\nc\t3\n');
    const { text: out, copy } = transcribe([text('k'), { member: null, oid: 23, parse: Number }], input, [0.3], 2);
    expect(out).toBe('{"k":"a"}\n{"k":"b"}\n');
    expect(copy.more).toBe(true);
    expect(copy.lastTexts()).toEqual(['b', '2']);
  });

  it('writes {} for a row of no member, as JSON.stringify writes an empty row', () => {
    const { text: out, copy } = transcribe([{ member: null, oid: 23, parse: Number }], Buffer.from('1\n2\n'), []);
    expect(out).toBe('{}\n{}\n');
    expect(copy.lastTexts()).toEqual(['2']);
  });

  it('applies a transform to the value the row path would give, nulls included', () => {
    const masked: CopyColumn = { member: 'n', oid: 23, parse: Number, transform: (v: unknown) => (v === null ? '=none' : `#${String(v)}`) };
    const { text: out } = transcribe([text('k'), masked], Buffer.from('a\t12\nb\t\\N\n'), []);
    expect(out).toBe('{"k":"a","n":"#12"}\n{"k":"b","n":"=none"}\n');
    const { text: cells } = transcribe([text('k'), masked], Buffer.from('a\t12\nb\t\\N\n'), [], undefined, 'csv');
    expect(cells).toBe("a,#12\nb,'=none\n");
  });

  it('refuses lines it cannot read, as the source’s fault', () => {
    const two = [text('a'), text('b')];
    for (const bad of ['only-one\n', 'one\ttwo\tthree\n', 'bad escape \\x41\tb\n', 'a\t\\']) {
      expect(() => transcribe(two, Buffer.from(bad), []), bad).toThrow(CopyFormatError);
    }
    expect(() => transcribe([text('a'), integer('n')], Buffer.from('a\t12x\n'), [])).toThrow(CopyFormatError);
    expect(() => transcribe([text('a'), boolean('b')], Buffer.from('a\tyes\n'), [])).toThrow(CopyFormatError);
  });
});
