import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import type { FieldInfo } from '../../server/catalogue/record-schema.js';
import type { Connector, ConnectorContext, ConnectorFactory, ConnectorQuery, Row, SourceField } from '../contract.js';
import { coerceRow } from '../values.js';
import { probeHealth } from '../health.js';

interface HttpJsonOptions {
  /** Names the base URL (and any token in it) in the server configuration. */
  credentials: string;
  path: string;
  pageSize: number;
  maxResponseBytes: number;
}

class HttpStatusError extends Error {
  constructor(readonly status: number) {
    super(`source answered HTTP ${status}`);
  }
}

/**
 * A paginated REST/JSON API: pages of `{ items, next }`, `next` followed only on the same origin
 * (a source cannot send the gateway elsewhere). 5xx answers and network errors are retried with
 * exponential back-off; a page larger than `maxResponseBytes` is refused. There is no pushdown:
 * the engine filters, sorts and pages in-process.
 */
class HttpJsonConnector implements Connector {
  readonly capabilities = {};
  private readonly fields: FieldInfo[];
  private readonly retries = retry(
    handleWhen((e) => (e instanceof HttpStatusError && e.status >= 500) || (e instanceof TypeError && e.name !== 'AbortError')),
    { maxAttempts: 2, backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1000 }) },
  );

  constructor(
    private readonly options: HttpJsonOptions,
    private readonly context: ConnectorContext,
  ) {
    this.fields = context.fields;
  }

  private base(): URL {
    return new URL(this.context.source.url ?? '');
  }

  private async page(url: URL, signal: AbortSignal): Promise<{ items: Record<string, unknown>[]; next: string | null }> {
    return this.retries.execute(async () => {
      const response = await fetch(url, { signal, headers: { accept: 'application/json' } });
      if (!response.ok) {
        await response.body?.cancel();
        throw new HttpStatusError(response.status);
      }
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        if (size > this.options.maxResponseBytes) throw new Error(`source page larger than ${this.options.maxResponseBytes} bytes`);
        chunks.push(chunk);
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { items?: unknown; next?: unknown };
      if (!Array.isArray(body.items)) throw new Error('source page has no items list');
      return { items: body.items as Record<string, unknown>[], next: typeof body.next === 'string' ? body.next : null };
    }, signal);
  }

  private async *all(signal: AbortSignal): AsyncIterable<Record<string, unknown>> {
    const base = this.base();
    let url: URL | null = new URL(this.options.path, base);
    url.searchParams.set('limit', String(this.options.pageSize));
    while (url) {
      const { items, next } = await this.page(url, signal);
      yield* items;
      const following: URL | null = next ? new URL(next, url) : null;
      if (following && following.origin !== base.origin) throw new Error('source pointed to another origin');
      url = following;
    }
  }

  async describe(signal: AbortSignal): Promise<SourceField[]> {
    const seen = new Map<string, SourceField>();
    for await (const item of this.all(signal)) {
      for (const [name, v] of Object.entries(item)) {
        const type = v === null ? null : typeof v === 'string' ? (/^\d{4}-\d{2}-\d{2}$/.test(v) ? 'date' : 'string') : typeof v === 'boolean' ? 'boolean' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : null;
        const known = seen.get(name) ?? { name, type: null, nullable: false, sourceType: 'json' };
        if (v === null) known.nullable = true;
        else if (known.type === null || (known.type === 'integer' && type === 'number')) known.type = type;
        seen.set(name, known);
      }
      if (seen.size > 0) break;
    }
    return [...seen.values()];
  }

  async *query(request: ConnectorQuery): AsyncIterable<Row> {
    for await (const item of this.all(request.signal)) yield coerceRow(item, this.fields);
  }

  health(signal: AbortSignal) {
    return probeHealth(() => {
      const url = new URL(this.options.path, this.base());
      url.searchParams.set('limit', '1');
      return this.page(url, signal);
    });
  }


  async close(): Promise<void> {}
}

export const httpJsonConnector: ConnectorFactory = {
  type: 'http-json',
  reachFaults(options, source) {
    const prefix = source.reach.pathPrefix ?? '/';
    const path = String(options['path']);
    const inside = prefix === '/' || path === prefix || path.startsWith(`${prefix}/`);
    return inside ? [] : [{ path: 'path', message: `must lie under ${prefix}, the path prefix of credential "${source.name}"` }];
  },
  validateOptions(options) {
    const faults: { path: string; message: string }[] = [];
    if (typeof options['credentials'] !== 'string' || options['credentials'].length === 0) faults.push({ path: 'credentials', message: 'must name a base URL in the server configuration' });
    if (typeof options['path'] !== 'string' || !/^\/[\w\-./]*$/.test(options['path'])) faults.push({ path: 'path', message: 'must be a path starting with /' });
    if (options['pageSize'] !== undefined && (!Number.isInteger(options['pageSize']) || (options['pageSize'] as number) < 1 || (options['pageSize'] as number) > 1000)) {
      faults.push({ path: 'pageSize', message: 'must be an integer from 1 to 1000' });
    }
    if (options['maxResponseBytes'] !== undefined && (!Number.isInteger(options['maxResponseBytes']) || (options['maxResponseBytes'] as number) < 1024)) {
      faults.push({ path: 'maxResponseBytes', message: 'must be an integer of at least 1024' });
    }
    return faults;
  },
  create: (options, context) =>
    new HttpJsonConnector(
      {
        credentials: String(options['credentials']),
        path: String(options['path']),
        pageSize: typeof options['pageSize'] === 'number' ? options['pageSize'] : 200,
        maxResponseBytes: typeof options['maxResponseBytes'] === 'number' ? options['maxResponseBytes'] : 10 * 1024 * 1024,
      },
      context,
    ),
};
