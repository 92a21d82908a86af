import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import type { RecordField } from '../schema.js';
import type { JSONSchemaType } from 'ajv';
import { refuseUnsupported } from '../capabilities.js';
import type { BindingOptions, Connector, ConnectorCapabilities, ConnectorContext, ConnectorFactory, ConnectorQuery, Row, SourceField } from '../contract.js';
import { coerceRow } from '../values.js';
import { probeHealth } from '../health.js';
import { BINDING_PROPERTIES } from '../options.js';
import { sampledFields } from '../source-types.js';
import { HttpStatusError, readPage, SourceNetworkError, type Page } from './page.js';
import { pathFault, SourceScope, underPrefix } from './scope.js';

/** The most SOURCE_MAX_RESPONSE_BYTES may be set to: no binding may ask for more, whatever the platform allows. */
export const MAX_RESPONSE_BYTES_LIMIT = 256 * 1024 * 1024;

/** What a binding gets when it names no bound of its own (still clamped to the platform ceiling). */
const DEFAULT_RESPONSE_BYTES = 10 * 1024 * 1024;

/**
 * The engine filters this connector's rows in-process, so one query reads the whole source into
 * memory; beyond this many rows the source is too large for this connector, and saying so beats
 * silently answering from part of it.
 */
export const MAX_ROWS_PER_QUERY = 100_000;

/** A hard stop for sources whose pages are tiny or whose `next` never ends. */
export const MAX_PAGES_PER_QUERY = 1_000;

/**
 * Pages one query may follow: twice what MAX_ROWS_PER_QUERY needs at the binding's page size (a
 * source may page smaller than asked), never more than MAX_PAGES_PER_QUERY.
 */
export function maxPagesFor(pageSize: number): number {
  return Math.min(MAX_PAGES_PER_QUERY, 2 * Math.ceil(MAX_ROWS_PER_QUERY / pageSize));
}

/** `credentials` names the base URL (and any token in it) in the server configuration. */
interface HttpJsonOptions extends BindingOptions {
  /** Under the credential's path prefix (checked by `pathFault` and the reach check). */
  path: string;
  /** Absent: 200. */
  pageSize?: number;
  /** Absent: DEFAULT_RESPONSE_BYTES; clamped to the platform ceiling at creation. */
  maxResponseBytes?: number;
}

const optionsSchema: JSONSchemaType<HttpJsonOptions> = {
  type: 'object',
  required: ['path', 'credentials'],
  additionalProperties: false,
  properties: {
    ...BINDING_PROPERTIES,
    credentials: { ...BINDING_PROPERTIES.credentials, 'x-fault': 'must name a base URL in the server configuration' },
    path: { type: 'string', 'x-fault': 'must be a path starting with /' },
    pageSize: { type: 'integer', minimum: 1, maximum: 1000, nullable: true, 'x-fault': 'must be an integer from 1 to 1000' },
    maxResponseBytes: { type: 'integer', minimum: 1024, maximum: MAX_RESPONSE_BYTES_LIMIT, nullable: true, 'x-fault': `must be an integer from 1024 to ${MAX_RESPONSE_BYTES_LIMIT}` },
  },
};

/** What the connector works with: the binding's options with their defaults and the platform's ceiling applied. */
interface HttpJsonSettings {
  path: string;
  pageSize: number;
  maxResponseBytes: number;
}

/**
 * A paginated REST/JSON API: pages of `{ items, next }`. Every URL asked for — the first page,
 * redirects, `next` links — stays on the credential's origin and under its base path and path
 * prefix; answers are cut at `maxResponseBytes`, and a query follows a bounded number of pages
 * and never the same page twice. 5xx answers and network errors are retried with exponential
 * back-off. There is no pushdown: the engine filters, sorts and pages in-process.
 */
class HttpJsonConnector implements Connector {
  /**
   * Only the fields asked for are read (and so typed): a value that cannot be read in a field the
   * read does not need, perhaps one the caller may not see, must not fail it, nor name that field.
   */
  readonly capabilities: ConnectorCapabilities = { projection: true };
  private readonly fields: RecordField[];
  private readonly scope: SourceScope | { fault: string };
  private readonly retries = retry(
    handleWhen((e) => (e instanceof HttpStatusError && e.status >= 500) || e instanceof SourceNetworkError),
    { maxAttempts: 2, backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1000 }) },
  );

  constructor(
    private readonly options: HttpJsonSettings,
    context: ConnectorContext,
  ) {
    this.fields = context.fields;
    // A broken credential is reported on use, not at creation: creation must not fail a read outside its error handling.
    this.scope = SourceScope.of(context.source);
  }

  private sourceScope(): SourceScope {
    if (this.scope instanceof SourceScope) return this.scope;
    throw new Error(this.scope.fault);
  }

  private page(url: URL, signal: AbortSignal): Promise<Page> {
    const scope = this.sourceScope();
    return this.retries.execute(() => readPage(url, scope, this.options.maxResponseBytes, signal), signal);
  }

  private async *all(signal: AbortSignal): AsyncIterable<Record<string, unknown>> {
    const scope = this.sourceScope();
    const maxPages = maxPagesFor(this.options.pageSize);
    const visited = new Set<string>();
    let rows = 0;
    let url: URL | null = scope.first(this.options.path, { limit: String(this.options.pageSize) });
    while (url) {
      if (visited.size >= maxPages) throw new Error(`source kept paging past ${maxPages} pages; the read was stopped`);
      visited.add(url.href);
      const { items, next, url: at } = await this.page(url, signal);
      rows += items.length;
      if (rows > MAX_ROWS_PER_QUERY) throw new Error(`source holds more than ${MAX_ROWS_PER_QUERY} rows, more than this connector reads in one query`);
      yield* items;
      if (next === null) return;
      url = scope.follow(next, at);
      if (!url) throw new Error('source pointed its next page outside its origin and path prefix; not followed');
      if (visited.has(url.href)) throw new Error('source pointed its next page back to a page already read');
    }
  }

  async describe(signal: AbortSignal): Promise<SourceField[]> {
    return sampledFields(this.all(signal), { cells: 'typed', label: 'json', limit: 200 });
  }

  async *query(request: ConnectorQuery): AsyncIterable<Row> {
    refuseUnsupported(this.capabilities, request);
    const wanted = this.fields.filter((f) => request.fields.includes(f.name));
    for await (const item of this.all(request.signal)) yield coerceRow(item, wanted);
  }

  health(signal: AbortSignal) {
    return probeHealth(() => this.page(this.sourceScope().first(this.options.path, { limit: '1' }), signal));
  }

  async close(): Promise<void> {}
}

export const httpJsonConnector: ConnectorFactory<HttpJsonOptions> = {
  type: 'http-json',
  optionsSchema,
  optionFaults(options) {
    const badPath = pathFault(options.path);
    return badPath ? [{ path: 'path', message: badPath }] : [];
  },
  reachFaults(options, source) {
    const scope = SourceScope.of(source);
    if (!(scope instanceof SourceScope)) return [{ path: 'credentials', message: scope.fault }];
    return underPrefix(options.path, scope.prefix) ? [] : [{ path: 'path', message: `must lie under ${scope.prefix}, the path prefix of credential "${source.name}"` }];
  },
  create(options, context) {
    return new HttpJsonConnector(
      {
        path: options.path,
        pageSize: options.pageSize ?? 200,
        // Registration only knows the absolute limit; the platform's own ceiling applies here.
        maxResponseBytes: Math.min(options.maxResponseBytes ?? DEFAULT_RESPONSE_BYTES, context.maxResponseBytes, MAX_RESPONSE_BYTES_LIMIT),
      },
      context,
    );
  },
};
