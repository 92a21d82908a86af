import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorContext, Row } from '../connectors/contract.js';
import type { SourceCredential } from '../connectors/credentials.js';
import { httpJsonConnector, MAX_RESPONSE_BYTES_LIMIT } from '../connectors/http-json/index.js';
import { MAX_REDIRECTS } from '../connectors/http-json/page.js';
import { openConnector, optionFaultsOf } from './connectors/open.js';
import { codeOf } from './kit.js';
import { analystOfYTe, publisherOfYTe } from './kit/personas.js';
import { withGateway } from './kit/stories.js';

/** A misbehaving department API, one path per failure, counting the requests it gets. */
const hits: Record<string, number> = {};
const items = Array.from({ length: 30 }, (_, i) => ({ code: `CS${String(i).padStart(3, '0')}`, name: `Trạm y tế phường ${i}` }));
/** Text only the source's body holds: it must never come back in an error. */
const SOURCE_SECRET = 'noi-dung-bi-mat-cua-nguon';
let api: Server;
let base: string;
let lastAuthorization: string | undefined;

beforeAll(async () => {
  api = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    hits[url.pathname] = (hits[url.pathname] ?? 0) + 1;
    const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const redirect = (location: string) => res.writeHead(302, { location }).end();
    switch (url.pathname) {
      case '/flaky':
        // Every other request fails, so each read needs exactly one retry.
        if (hits['/flaky']! % 2 === 1) return void res.writeHead(503).end();
        return json({ items, next: null });
      case '/cut':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(JSON.stringify({ items }).slice(0, 200));
        return void setTimeout(() => res.socket?.destroy(), 50);
      case '/huge':
        return json({ items: Array.from({ length: 200 }, (_, i) => ({ code: String(i), name: 'x'.repeat(100) })), next: null });
      case '/declared-huge':
        // Announces 50 MB and then sends nothing more: only the header can end this read early.
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(50 * 1024 * 1024) });
        return void res.write('{"items":[');
      case '/elsewhere':
        return json({ items: items.slice(0, 2), next: 'http://169.254.169.254/latest/meta-data' });
      case '/down':
        return void res.writeHead(500).end();
      case '/html':
        return void res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><body>${SOURCE_SECRET}</body></html>`);
      case '/not-objects':
        return json({ items: [items[0], 42, SOURCE_SECRET, null], next: null });
      case '/next-number':
        return json({ items: items.slice(0, 2), next: 42 });
      case '/no-items':
        return json({ rows: [SOURCE_SECRET] });
      case '/loop':
        return json({ items: items.slice(0, 1), next: '/loop' });
      case '/redirect-in':
        return redirect('/redirected');
      case '/redirected':
        return json({ items, next: null });
      case '/redirect-loop':
        return redirect('/redirect-loop');
      case '/private':
        lastAuthorization = req.headers.authorization;
        if (req.headers.authorization !== `Basic ${Buffer.from('so-y-te:mật khẩu').toString('base64')}`) return void res.writeHead(401).end();
        return json({ items, next: null });
      default:
        return void res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});

const story = withGateway(() => ({
  env: {
    SOURCE_CREDENTIALS: JSON.stringify({ api: { type: 'http-json', url: base, departments: ['y-te'], reach: { pathPrefix: '/' } } }),
    SOURCE_TIMEOUT_MS: '3000',
    SOURCE_BREAKER_THRESHOLD: '2',
    SOURCE_BREAKER_HALF_OPEN_MS: '60000',
  },
}));
const reader = story.as(analystOfYTe);

beforeAll(async () => {
  const publisher = story.as(publisherOfYTe);
  for (const path of ['flaky', 'cut', 'huge', 'declared-huge', 'elsewhere', 'down', 'html', 'not-objects', 'next-number', 'no-items', 'loop', 'redirect-in', 'redirect-loop']) {
    const input = {
      slug: path,
      title: `Nguồn ${path}`,
      description: 'Nguồn thử nghiệm hỏng.',
      classification: 'PUBLIC',
      recordSchema: { type: 'object', required: ['code', 'name'], properties: { code: { type: 'string' }, name: { type: 'string' } } },
      connector: { type: 'http-json', options: { credentials: 'api', path: `/${path}`, maxResponseBytes: 4096 } },
    };
    await story.gw.publishDataset(publisher.token, input);
  }
});

afterAll(async () => {
  api?.closeAllConnections();
  await new Promise<void>((resolve) => api?.close(() => resolve()));
});

const read = (path: string) => reader.records({ dataset: `y-te.${path}`, first: 100 });

describe('http-json connector against a misbehaving API', () => {
  it('retries a 5xx answer and then serves the data', async () => {
    const before = hits['/flaky'] ?? 0;
    const result = await read('flaky');
    expect(result.errors).toBeUndefined();
    expect(result.data!.records.edges).toHaveLength(30);
    expect(hits['/flaky']! - before).toBe(2);
  });

  it('ends with SOURCE_UNAVAILABLE, not a hang, when the source dies mid-response', async () => {
    const started = Date.now();
    expect(codeOf(await read('cut'))).toBe('SOURCE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('refuses a page larger than the configured bound', async () => {
    expect(codeOf(await read('huge'))).toBe('SOURCE_UNAVAILABLE');
  });

  it('refuses a page whose declared length passes the bound before reading its body', async () => {
    const started = Date.now();
    expect(codeOf(await read('declared-huge'))).toBe('SOURCE_UNAVAILABLE');
    // The body never ends: only the Content-Length check can answer before the 3 s source timeout.
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('does not follow a next link to another origin', async () => {
    expect(codeOf(await read('elsewhere'))).toBe('SOURCE_UNAVAILABLE');
  });

  it('treats an answer that is not a page of objects as a source fault', async () => {
    for (const path of ['html', 'not-objects', 'next-number', 'no-items']) {
      const result = await read(path);
      expect(codeOf(result), path).toBe('SOURCE_UNAVAILABLE');
      expect(JSON.stringify(result.errors)).not.toContain(SOURCE_SECRET);
    }
  });

  it('ends a next chain that comes back to a page already read', async () => {
    const before = hits['/loop'] ?? 0;
    expect(codeOf(await read('loop'))).toBe('SOURCE_UNAVAILABLE');
    // `/loop?limit=200`, then `/loop`, whose next is `/loop` again.
    expect(hits['/loop']! - before).toBe(2);
  });

  it('follows a redirect inside its path prefix, but not in circles', async () => {
    const result = await read('redirect-in');
    expect(result.errors).toBeUndefined();
    expect(result.data!.records.edges).toHaveLength(30);
    const before = hits['/redirect-loop'] ?? 0;
    expect(codeOf(await read('redirect-loop'))).toBe('SOURCE_UNAVAILABLE');
    expect(hits['/redirect-loop']! - before).toBe(MAX_REDIRECTS + 1);
  });

  it('stops asking a source that keeps failing', async () => {
    expect(codeOf(await read('down'))).toBe('SOURCE_UNAVAILABLE');
    expect(codeOf(await read('down'))).toBe('SOURCE_UNAVAILABLE');
    const before = hits['/down'];
    const third = await read('down');
    expect(codeOf(third)).toBe('SOURCE_UNAVAILABLE');
    expect(third.errors![0]!.message).toMatch(/failed repeatedly/);
    expect(hits['/down']).toBe(before);
  });
});

describe('http-json connector messages and limits', () => {
  const credential = (overrides: Partial<SourceCredential> = {}): SourceCredential => ({
    name: 'api',
    type: 'http-json',
    url: base,
    departments: ['y-te'],
    owner: 'y-te',
    reach: { pathPrefix: '/' },
    ...overrides,
  });
  const context = (overrides: Partial<ConnectorContext> = {}): ConnectorContext => ({
    source: credential(),
    fields: [
      { name: 'code', type: 'string', nullable: false, required: true },
      { name: 'name', type: 'string', nullable: false, required: true },
    ],
    keyField: 'code',
    timeoutMs: 3000,
    maxResponseBytes: 16 * 1024 * 1024,
    ...overrides,
  });
  const readAll = async (path: string, ctx = context(), options: Record<string, unknown> = {}): Promise<Row[]> => {
    const connector = openConnector(httpJsonConnector, { credentials: 'api', path, ...options }, ctx);
    const rows: Row[] = [];
    for await (const row of await connector.query({ fields: ['code', 'name'], where: null, orderBy: [], after: null, limit: null, signal: AbortSignal.timeout(3000) })) rows.push(row);
    return rows;
  };
  const failureOf = async (path: string, ctx = context(), options: Record<string, unknown> = {}): Promise<string> => {
    const error: unknown = await readAll(path, ctx, options).then(
      () => new Error('the read succeeded'),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    const message = error instanceof Error ? error.message : '';
    expect(message).not.toMatch(/https?:|127\.0\.0\.1|169\.254/);
    expect(message).not.toContain(SOURCE_SECRET);
    return message;
  };

  it('says what was wrong with an answer without echoing it or naming an address', async () => {
    expect(await failureOf('/html')).toMatch(/not JSON/);
    expect(await failureOf('/not-objects')).toMatch(/item 1 .* not an object/);
    expect(await failureOf('/next-number')).toMatch(/next link .* not a string/);
    expect(await failureOf('/no-items')).toMatch(/no items list/);
    expect(await failureOf('/elsewhere')).toMatch(/outside its origin and path prefix/);
    expect(await failureOf('/loop')).toMatch(/already read/);
    expect(await failureOf('/redirect-loop')).toMatch(/redirected more than 3 times/);
    expect(await failureOf('/declared-huge')).toMatch(/larger than/);
  });

  it('never reads more than the platform ceiling, whatever the binding asks for', async () => {
    expect(await failureOf('/huge', context({ maxResponseBytes: 4096 }), { maxResponseBytes: 10 * 1024 * 1024 })).toBe('source page larger than 4096 bytes');
    expect(await readAll('/huge', context({ maxResponseBytes: 1024 * 1024 }))).toHaveLength(200);
  });

  it('sends the user and password of the base URL as a header, never in an error', async () => {
    const withUser = (password: string) => {
      const url = new URL(base);
      url.username = 'so-y-te';
      url.password = password;
      return context({ source: credential({ url: url.href }) });
    };
    expect(await readAll('/private', withUser('mật khẩu'))).toHaveLength(30);
    expect(lastAuthorization).toMatch(/^Basic /);
    const message = await failureOf('/private', withUser('sai-mat-khau'));
    expect(message).toBe('source answered HTTP 401');
  });

  it('reports a credential without a path prefix as reaching nothing', async () => {
    const bare = credential({ reach: {} });
    expect(httpJsonConnector.reachFaults({ credentials: 'api', path: '/flaky' }, bare, { catalogueDatabase: 'kho' })).toEqual([
      { path: 'credentials', message: 'credential "api" names no path prefix, so it reaches nothing' },
    ]);
    expect(await failureOf('/flaky', context({ source: bare }))).toMatch(/reaches nothing/);
  });

  it('checks binding paths one segment at a time', () => {
    const health = credential({ reach: { pathPrefix: '/health-facilities' } });
    const faultsOf = (path: string) => [...optionFaultsOf(httpJsonConnector, { credentials: 'api', path }), ...httpJsonConnector.reachFaults({ credentials: 'api', path }, health, { catalogueDatabase: 'kho' })];
    expect(faultsOf('/health-facilities')).toEqual([]);
    expect(faultsOf('/health-facilities/district-1')).toEqual([]);
    expect(faultsOf('/health-facilities-secret')).toEqual([{ path: 'path', message: 'must lie under /health-facilities, the path prefix of credential "api"' }]);
    for (const path of ['//127.0.0.1/x', 'http://evil/x', 'HTTPS:evil', '/health-facilities/../secret', '/health-facilities/./x', '/health-facilities/%2e%2e/secret', '/health-facilities/%2F', '/health-facilities/%5c', '\\\\evil', '/health-facilities?x=1', '/health-facilities#x', '/health-facilities//x', '/health facilities', '', 'health-facilities']) {
      expect(optionFaultsOf(httpJsonConnector, { credentials: 'api', path }).map((f) => f.path), path).toEqual(['path']);
    }
  });

  it('bounds maxResponseBytes at registration by the most the platform can allow', () => {
    const faultsOf = (maxResponseBytes: unknown) => optionFaultsOf(httpJsonConnector, { credentials: 'api', path: '/x', maxResponseBytes });
    expect(faultsOf(MAX_RESPONSE_BYTES_LIMIT)).toEqual([]);
    expect(faultsOf(1024)).toEqual([]);
    for (const bad of [MAX_RESPONSE_BYTES_LIMIT + 1, 1023, 1.5, '4096', Number.POSITIVE_INFINITY]) expect(faultsOf(bad).map((f) => f.path), String(bad)).toEqual(['maxResponseBytes']);
  });
});
