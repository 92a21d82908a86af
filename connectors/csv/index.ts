import { createReadStream, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'csv-parse';
import type { FieldInfo } from '../../server/catalogue/record-schema.js';
import type { Connector, ConnectorContext, ConnectorFactory, ConnectorQuery, Row, SourceField } from '../contract.js';
import { coerceRow } from '../values.js';
import { insideFolder } from '../credentials.js';
import { probeHealth } from '../health.js';

interface CsvOptions {
  /** Relative to the credential's folder; never outside it. */
  file: string;
  delimiter: string;
  credentials: string;
}

const OPTIONS = new Set(['file', 'delimiter', 'credentials', 'keyField']);

/**
 * A CSV file streamed with csv-parse, one row at a time, values typed by the record schema
 * (an empty cell is null). A file has no query engine: the connector declares no pushdown and
 * the engine filters, sorts and pages in-process.
 */
class CsvConnector implements Connector {
  readonly capabilities = {};
  private readonly fields: FieldInfo[];

  constructor(
    private readonly path: string,
    private readonly folder: string,
    private readonly options: CsvOptions,
    context: ConnectorContext,
  ) {
    this.fields = context.fields;
  }

  private rows(signal: AbortSignal) {
    const parser = parse({ columns: true, delimiter: this.options.delimiter, bom: true, trim: false, skip_empty_lines: true });
    // The name lies inside the folder; a symbolic link placed there must not lead out of it.
    if (!insideFolder(realpathSync(this.folder), realpathSync(this.path))) throw new Error('the file leaves its folder through a link');
    const file = createReadStream(this.path);
    file.on('error', (error) => parser.destroy(error));
    const onAbort = () => parser.destroy(signal.reason instanceof Error ? signal.reason : new Error('cancelled'));
    signal.addEventListener('abort', onAbort, { once: true });
    parser.on('close', () => {
      signal.removeEventListener('abort', onAbort);
      file.destroy();
    });
    return file.pipe(parser) as AsyncIterable<Record<string, string>>;
  }

  async describe(signal: AbortSignal): Promise<SourceField[]> {
    const seen = new Map<string, SourceField>();
    let n = 0;
    for await (const record of this.rows(signal)) {
      for (const [name, text] of Object.entries(record)) {
        const type = text === '' ? null : /^-?\d+$/.test(text) ? 'integer' : /^-?\d*\.\d+$/.test(text) ? 'number' : /^(true|false)$/.test(text) ? 'boolean' : /^\d{4}-\d{2}-\d{2}$/.test(text) ? 'date' : 'string';
        const known = seen.get(name) ?? { name, type: null, nullable: false, sourceType: 'csv' };
        if (type === null) known.nullable = true;
        else if (known.type === null || (known.type === 'integer' && type === 'number')) known.type = type;
        else if (known.type !== type && !(known.type === 'number' && type === 'integer')) known.type = 'string';
        seen.set(name, known);
      }
      if (++n >= 200) break;
    }
    return [...seen.values()];
  }

  async *query(request: ConnectorQuery): AsyncIterable<Row> {
    for await (const record of this.rows(request.signal)) yield coerceRow(record, this.fields);
  }

  health(signal: AbortSignal) {
    return probeHealth(async () => {
      for await (const _ of this.rows(signal)) break;
    });
  }


  async close(): Promise<void> {}
}

/** Resolves a binding's file inside its credential's folder, or undefined when it would leave it. */
function resolveSourceFile(folder: string | undefined, file: string): string | undefined {
  if (!folder) return undefined;
  const path = resolve(folder, file);
  return insideFolder(folder, path) ? path : undefined;
}

export const csvConnector: ConnectorFactory = {
  type: 'csv',
  validateOptions(options) {
    const faults: { path: string; message: string }[] = [];
    for (const key of Object.keys(options)) if (!OPTIONS.has(key)) faults.push({ path: key, message: `is not an option; use ${[...OPTIONS].join(', ')}` });
    if (typeof options['credentials'] !== 'string' || options['credentials'].length === 0) faults.push({ path: 'credentials', message: 'must name a files credential in the server configuration' });
    if (options['keyField'] !== undefined && typeof options['keyField'] !== 'string') faults.push({ path: 'keyField', message: 'must be a field name' });
    if (typeof options['file'] !== 'string' || !/^[\w./-]+\.csv$/.test(options['file']) || options['file'].split('/').includes('..')) {
      faults.push({ path: 'file', message: 'must be a .csv path inside the source files folder' });
    }
    if (options['delimiter'] !== undefined && (typeof options['delimiter'] !== 'string' || options['delimiter'].length !== 1)) {
      faults.push({ path: 'delimiter', message: 'must be one character' });
    }
    return faults;
  },
  reachFaults(options, source) {
    return resolveSourceFile(source.folder, String(options['file'])) ? [] : [{ path: 'file', message: `must lie inside the folder of credential "${source.name}"` }];
  },
  create(options, context) {
    const parsed: CsvOptions = { file: String(options['file']), delimiter: typeof options['delimiter'] === 'string' ? options['delimiter'] : ',', credentials: String(options['credentials']) };
    const path = resolveSourceFile(context.source.folder, parsed.file);
    if (!path) throw new Error(`file ${parsed.file} is outside the folder of its credential`);
    return new CsvConnector(path, context.source.folder ?? '', parsed, context);
  },
};
