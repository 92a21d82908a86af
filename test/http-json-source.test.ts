import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, startTestGateway, type TestGateway } from './kit.js';

/** A misbehaving department API, one path per failure, counting the requests it gets. */
const hits: Record<string, number> = {};
const items = Array.from({ length: 30 }, (_, i) => ({ code: `CS${String(i).padStart(3, '0')}`, name: `Trạm y tế phường ${i}` }));
let api: Server;
let base: string;
let gw: TestGateway;
let reader: string;

beforeAll(async () => {
  api = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    hits[url.pathname] = (hits[url.pathname] ?? 0) + 1;
    const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
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
      case '/elsewhere':
        return json({ items: items.slice(0, 2), next: 'http://169.254.169.254/latest/meta-data' });
      case '/down':
        return void res.writeHead(500).end();
      default:
        return void res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  gw = await startTestGateway({ env: { SOURCE_CREDENTIALS: JSON.stringify({ api: { type: 'http-json', url: base, departments: ['y-te'], reach: {} } }), SOURCE_TIMEOUT_MS: '3000', SOURCE_BREAKER_THRESHOLD: '2', SOURCE_BREAKER_HALF_OPEN_MS: '60000' } });
  reader = gw.token('r', 'y-te', ['analyst']);
  const publisher = gw.token('p', 'y-te', ['publisher']);
  for (const path of ['flaky', 'cut', 'huge', 'elsewhere', 'down']) {
    const input = {
      slug: path,
      title: `Nguồn ${path}`,
      description: 'Nguồn thử nghiệm hỏng.',
      classification: 'PUBLIC',
      recordSchema: { type: 'object', required: ['code', 'name'], properties: { code: { type: 'string' }, name: { type: 'string' } } },
      connector: { type: 'http-json', options: { credentials: 'api', path: `/${path}`, maxResponseBytes: 4096 } },
    };
    await gw.publishDataset(publisher, input);
  }
});

afterAll(async () => {
  await gw?.close();
  api?.closeAllConnections();
  await new Promise<void>((resolve) => api?.close(() => resolve()));
});

const read = (path: string) =>
  gw.gql<{ records: { edges: unknown[] } }>('query($d: ID!) { records(dataset: $d, first: 100) { edges { node } } }', { d: `y-te.${path}` }, reader);

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

  it('does not follow a next link to another origin', async () => {
    expect(codeOf(await read('elsewhere'))).toBe('SOURCE_UNAVAILABLE');
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
