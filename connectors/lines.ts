import { stringify } from 'csv-stringify/sync';
import type { Row } from './contract.js';

/**
 * The two forms an export writes rows in, defined once: connectors that write rows themselves
 * (Connector.queryLines) must write exactly these bytes, and the engine writes them for rows
 * read one by one.
 */
export type LineFormat = 'ndjson' | 'csv';

/** A cell starting with = + - @ (text, not a negative number) is written as text: the file is opened in spreadsheets. */
export const CSV_OPTIONS = { escape_formulas: true } as const;

/** One line per row, holding `members` in order (a missing one as null, or an empty cell). */
export function rowsAsLines(rows: Row[], members: string[], format: LineFormat): string {
  if (format === 'csv') return rows.length === 0 ? '' : stringify(rows.map((row) => members.map((f) => row[f] ?? '')), CSV_OPTIONS);
  let text = '';
  for (const row of rows) {
    // A loop, not Object.fromEntries over a map: this runs for every row of every page.
    const node: Row = {};
    for (const f of members) node[f] = row[f] ?? null;
    text += `${JSON.stringify(node)}\n`;
  }
  return text;
}

/** One value as `rowsAsLines` writes it: a JSON value, or a CSV cell. */
export function valueText(value: unknown, format: LineFormat): string {
  return format === 'csv' ? stringify([[value ?? '']], CSV_OPTIONS).slice(0, -1) : JSON.stringify(value ?? null);
}
