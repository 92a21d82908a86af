import { createReadStream, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'csv-parse';
import type { RecordField } from '../schema.js';
import type { JSONSchemaType } from 'ajv';
import { refuseUnsupported } from '../capabilities.js';
import type { BindingOptions, Connector, ConnectorCapabilities, ConnectorContext, ConnectorFactory, ConnectorQuery, Row, SourceField } from '../contract.js';
import { coerceRow } from '../values.js';
import { insideFolder } from '../credentials.js';
import { probeHealth } from '../health.js';
import { BINDING_PROPERTIES } from '../options.js';
import { sampledFields } from '../source-types.js';

interface CsvOptions extends BindingOptions {
  /** Relative to the credential's folder; never outside it. */
  file: string;
  /** Absent: a comma. */
  delimiter?: string;
}

const optionsSchema: JSONSchemaType<CsvOptions> = {
  type: 'object',
  required: ['file', 'credentials'],
  additionalProperties: false,
  properties: {
    ...BINDING_PROPERTIES,
    credentials: { ...BINDING_PROPERTIES.credentials, 'x-fault': 'must name a files credential in the server configuration' },
    // No `..` segment: the name alone never climbs out of the folder (links are checked on read).
    file: { type: 'string', maxLength: 500, pattern: '^(?!(.*/)?\\.\\.(/|$))[\\w./-]+\\.csv$', 'x-fault': 'must be a .csv path inside the source files folder' },
    delimiter: { type: 'string', minLength: 1, maxLength: 1, nullable: true, 'x-fault': 'must be one character' },
  },
};

/**
 * A CSV file streamed with csv-parse, one row at a time, values typed by the record schema
 * (an empty cell is null). A file has no query engine: the connector declares no pushdown and
 * the engine filters, sorts and pages in-process.
 */
class CsvConnector implements Connector {
  /**
   * Only the fields asked for are read (and so typed): a value that cannot be read in a field the
   * read does not need, perhaps one the caller may not see, must not fail it, nor name that field.
   */
  readonly capabilities: ConnectorCapabilities = { projection: true };
  private readonly fields: RecordField[];

  constructor(
    private readonly path: string,
    private readonly folder: string,
    private readonly delimiter: string,
    context: ConnectorContext,
  ) {
    this.fields = context.fields;
  }

  private rows(signal: AbortSignal) {
    const parser = parse({ columns: true, delimiter: this.delimiter, bom: true, trim: false, skip_empty_lines: true });
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
    return sampledFields(this.rows(signal), { cells: 'text', label: 'csv', limit: 200 });
  }

  async *query(request: ConnectorQuery): AsyncIterable<Row> {
    refuseUnsupported(this.capabilities, request);
    const wanted = this.fields.filter((f) => request.fields.includes(f.name));
    for await (const record of this.rows(request.signal)) yield coerceRow(record, wanted);
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

export const csvConnector: ConnectorFactory<CsvOptions> = {
  type: 'csv',
  optionsSchema,
  reachFaults(options, source) {
    return resolveSourceFile(source.folder, options.file) ? [] : [{ path: 'file', message: `must lie inside the folder of credential "${source.name}"` }];
  },
  create(options, context) {
    const path = resolveSourceFile(context.source.folder, options.file);
    if (!path) throw new Error(`file ${options.file} is outside the folder of its credential`);
    return new CsvConnector(path, context.source.folder ?? '', options.delimiter ?? ',', context);
  },
};
