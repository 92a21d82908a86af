import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxPagesFor } from '../../connectors/http-json/index.js';
import { codeOf, pathsOf } from '../kit.js';
import { analystOfYTe, publisherOfYTe } from '../kit/personas.js';
import { withGateway } from '../kit/stories.js';

/**
 * Issue 8, item 3: a publisher must not turn the http-json connector into a way to reach other
 * hosts or other parts of a department's API, nor to exhaust the gateway. The credential `api`
 * reaches `/allowed` on the department's API; everything else there is bait, and a second server
 * stands for every other host (cloud metadata, internal services).
 */
const HUGE_BYTES = 50 * 1024 * 1024;
const MiB = 1024 * 1024;
/**
 * The platform ceiling here. Reading through fetch leaves about twice what it reads as garbage
 * until the next collection, so RSS, the only outside measure, needs a ceiling well under the
 * 40 MB bound to tell a cut answer from a whole one.
 */
const CEILING_BYTES = 8 * MiB;
const items = Array.from({ length: 30 }, (_, i) => ({ code: `CS${String(i).padStart(3, '0')}`, name: `Trạm y tế ${i}` }));

const hits = new Map<string, number>();
const hitsOf = (path: string) => hits.get(path) ?? 0;
/** Requests the department's API got outside `/allowed`: must stay zero. */
let baitHits = 0;
/** Requests the other host got: must stay zero. */
let elsewhereHits = 0;
let hugeStream: Promise<{ sent: number; finished: boolean }> | null = null;
/** Until armed, `/allowed/huge` answers a small page, so publication's source check reads nothing large. */
let hugeArmed = false;

let api: Server;
let elsewhere: Server;
let apiBase: string;
let elsewhereBase: string;

/** Writes 50 MB in 64 KiB pieces, waiting for the socket each time: never more than a chunk in memory here. */
function streamHuge(res: ServerResponse): Promise<{ sent: number; finished: boolean }> {
  return new Promise((resolve) => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    res.once('close', () => resolve({ sent, finished: res.writableFinished }));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"items":[{"code":"A","name":"');
    const pump = () => {
      while (sent < HUGE_BYTES && !res.destroyed) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end('"}],"next":null}');
    };
    pump();
  });
}

function department(req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://x');
  hits.set(url.pathname, hitsOf(url.pathname) + 1);
  const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const redirect = (location: string) => res.writeHead(302, { location }).end();
  switch (url.pathname) {
    case '/allowed/good':
      return url.searchParams.get('page') === '2' ? json({ items: items.slice(20), next: null }) : json({ items: items.slice(0, 20), next: '/allowed/good?page=2' });
    case '/allowed/moved':
      return redirect('/allowed/good');
    case '/allowed/redirect-away':
      return redirect(`${elsewhereBase}/allowed/good`);
    case '/allowed/redirect-protocol-relative':
      return redirect(`//${new URL(elsewhereBase).host}/allowed/good`);
    case '/allowed/redirect-out':
      return redirect('/secret');
    case '/allowed/redirect-sibling':
      return redirect('/allowedx/good');
    case '/allowed/next-out':
      return json({ items: items.slice(0, 2), next: '/secret' });
    case '/allowed/next-climb':
      return json({ items: items.slice(0, 2), next: '/allowed/%2e%2e/secret' });
    case '/allowed/next-encoded-slash':
      return json({ items: items.slice(0, 2), next: '/allowed/..%2fsecret' });
    case '/allowed/next-away':
      return json({ items: items.slice(0, 2), next: `${elsewhereBase}/allowed/good` });
    case '/allowed/huge':
      if (!hugeArmed) return json({ items, next: null });
      hugeStream = streamHuge(res);
      return;
    case '/allowed/endless': {
      const page = Number(url.searchParams.get('page') ?? 0);
      return json({ items: [{ code: `P${page}`, name: 'trang' }], next: `/allowed/endless?page=${page + 1}` });
    }
    default:
      // Bait: answers like a good page, so only the gateway's refusal keeps it unread.
      baitHits += 1;
      return json({ items, next: null });
  }
}

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};
const stop = async (server: Server | undefined) => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
};

const recordSchema = { type: 'object', required: ['code', 'name'], properties: { code: { type: 'string' }, name: { type: 'string' } } };
const bindingInput = (slug: string, options: Record<string, unknown>) => ({
  slug,
  title: `Nguồn ${slug}`,
  description: 'Nguồn dữ liệu của Sở Y tế qua API.',
  classification: 'PUBLIC',
  recordSchema,
  connector: { type: 'http-json', options: { credentials: 'api', keyField: 'code', ...options } },
});

const read = (slug: string) => reader.records({ dataset: `y-te.${slug}`, first: 100 });

/** The gateway and the department's source both still serve a good dataset. */
async function expectStillServing() {
  const result = await read('good');
  expect(result.errors).toBeUndefined();
  expect(result.data!.records.edges.map((e) => e.node.code)).toEqual(items.map((i) => i.code));
  expect((await fetch(`${story.gw.base}/healthz`)).status).toBe(200);
  expect(baitHits).toBe(0);
  expect(elsewhereHits).toBe(0);
}

beforeAll(async () => {
  elsewhere = createServer((_req, res) => {
    elsewhereHits += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items, next: null }));
  });
  elsewhereBase = await listen(elsewhere);
  api = createServer(department);
  apiBase = await listen(api);
});

const story = withGateway(() => ({
  env: {
    SOURCE_CREDENTIALS: JSON.stringify({ api: { type: 'http-json', url: apiBase, departments: ['y-te'], reach: { pathPrefix: '/allowed' } } }),
    SOURCE_TIMEOUT_MS: '5000',
    SOURCE_MAX_RESPONSE_BYTES: String(CEILING_BYTES),
  },
}));
const publisher = story.as(publisherOfYTe);
const reader = story.as(analystOfYTe);

beforeAll(async () => {
  await story.gw.publishDataset(publisher.token, bindingInput('good', { path: '/allowed/good' }));
  await story.gw.publishDataset(publisher.token, bindingInput('moved', { path: '/allowed/moved' }));
});

afterAll(async () => {
  await stop(api);
  await stop(elsewhere);
});

describe('a publisher cannot bind a path outside the credential', () => {
  const bad: [string, string][] = [
    ['a protocol-relative path to another host', '//127.0.0.1/x'],
    ['an absolute URL', 'http://evil/x'],
    ['a climb out of the prefix', '/allowed/../secret'],
    ['a percent-encoded climb', '/allowed/%2e%2e/secret'],
    ['a percent-encoded slash', '/allowed/..%2fsecret'],
    ['a sibling of the prefix', '/allowedx'],
    ['backslashes', '\\\\evil'],
    ['a query string', '/allowed/good?admin=1'],
    ['a fragment', '/allowed/good#x'],
  ];

  it.each(bad)('refuses %s (%s) with BAD_USER_INPUT at options.path, writing nothing', async (_what, path) => {
    const before = await story.gw.db.collection('datasets').countDocuments();
    const [apiBefore, elsewhereBefore] = [[...hits.values()].reduce((a, b) => a + b, 0), elsewhereHits];
    const result = await publisher.registerDataset({ input: bindingInput('attack', { path }) });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(pathsOf(result)).toEqual(['input.connector.options.path']);
    expect(await story.gw.db.collection('datasets').countDocuments()).toBe(before);
    expect((await publisher.dataset({ id: 'y-te.attack' })).data?.dataset).toBeNull();
    // Registration judges the binding without asking any source.
    expect([[...hits.values()].reduce((a, b) => a + b, 0), elsewhereHits]).toEqual([apiBefore, elsewhereBefore]);
  });

  it('refuses a maxResponseBytes above the most the platform allows', async () => {
    const before = await story.gw.db.collection('datasets').countDocuments();
    const result = await publisher.registerDataset({ input: bindingInput('attack', { path: '/allowed/good', maxResponseBytes: 512 * MiB }) });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(pathsOf(result)).toEqual(['input.connector.options.maxResponseBytes']);
    expect(await story.gw.db.collection('datasets').countDocuments()).toBe(before);
    await expectStillServing();
  });
});

describe('a source cannot send the gateway elsewhere', () => {
  it('follows a redirect that stays inside the prefix', async () => {
    const result = await read('moved');
    expect(result.errors).toBeUndefined();
    expect(result.data!.records.edges).toHaveLength(30);
  });

  it.each(['redirect-away', 'redirect-protocol-relative'])('does not follow a redirect to another origin (%s)', async (slug) => {
    await story.gw.publishDataset(publisher.token, bindingInput(slug, { path: `/allowed/${slug}` }));
    const result = await read(slug);
    expect(codeOf(result)).toBe('SOURCE_UNAVAILABLE');
    expect(JSON.stringify(result.errors)).not.toContain(elsewhereBase);
    expect(elsewhereHits).toBe(0);
    await expectStillServing();
  });

  it.each(['redirect-out', 'redirect-sibling'])('does not follow a same-origin redirect out of the prefix (%s)', async (slug) => {
    await story.gw.publishDataset(publisher.token, bindingInput(slug, { path: `/allowed/${slug}` }));
    expect(codeOf(await read(slug))).toBe('SOURCE_UNAVAILABLE');
    expect(hitsOf('/secret') + hitsOf('/allowedx/good')).toBe(0);
    await expectStillServing();
  });

  it.each(['next-out', 'next-climb', 'next-encoded-slash', 'next-away'])('does not follow a next link out of the prefix or origin (%s)', async (slug) => {
    await story.gw.publishDataset(publisher.token, bindingInput(slug, { path: `/allowed/${slug}` }));
    expect(codeOf(await read(slug))).toBe('SOURCE_UNAVAILABLE');
    await expectStillServing();
  });
});

describe('a source cannot exhaust the gateway', () => {
  it('cuts a 50 MB answer at the platform ceiling, even when the binding asks for more', async () => {
    // 100 MiB passes registration (under the absolute limit of 256 MiB); the platform ceiling still applies at read.
    await story.gw.publishDataset(publisher.token, bindingInput('huge', { path: '/allowed/huge', maxResponseBytes: 100 * MiB }));
    hugeArmed = true;
    const rssBefore = process.memoryUsage().rss;
    // The gateway runs in this process: its peak during the read is what a hostile source costs it.
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 5);
    const started = Date.now();
    const result = await read('huge').finally(() => clearInterval(sampler));
    const elapsed = Date.now() - started;
    hugeArmed = false;
    expect(codeOf(result)).toBe('SOURCE_UNAVAILABLE');
    expect(elapsed).toBeLessThan(4000);
    expect(hugeStream).not.toBeNull();
    const stream = await hugeStream!;
    expect(stream.finished).toBe(false);
    expect(stream.sent).toBeLessThan(HUGE_BYTES);
    const growth = Math.max(rssPeak, process.memoryUsage().rss) - rssBefore;
    expect(growth).toBeLessThan(40 * MiB);
    await expectStillServing();
  });

  it('ends an endless next chain with an error after a bounded number of pages', async () => {
    await story.gw.publishDataset(publisher.token, bindingInput('endless', { path: '/allowed/endless', pageSize: 1000 }));
    const before = hitsOf('/allowed/endless');
    const started = Date.now();
    expect(codeOf(await read('endless'))).toBe('SOURCE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(hitsOf('/allowed/endless') - before).toBe(maxPagesFor(1000));
    await expectStillServing();
  });
});
