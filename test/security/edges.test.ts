import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { datasetInput, REGISTER } from '../fixtures.js';
import { codeOf, startTestGateway } from '../kit.js';
import { like, publisherOfTaiChinh } from '../kit/personas.js';
import { withGateway } from '../kit/stories.js';

/**
 * The edges of the gateway as a browser, a script or a forged token meets them: CORS only for
 * configured origins, operations only from JSON bodies (or requests a form cannot make), tokens
 * with a bounded lifetime and no critical extensions, /metrics without dataset ids unless it is
 * behind its token, and request errors that are the client's (BAD_USER_INPUT) without internals.
 */
const story = withGateway();
const publisherPersona = like(publisherOfTaiChinh, { id: 'pub', roles: ['publisher', 'analyst'] });
const publisher = story.as(publisherPersona);

const PORTAL = 'https://portal.tphcm.gov.vn';
const EVIL = 'https://evil.example';

const preflight = (base: string, origin: string) =>
  fetch(`${base}/graphql`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
  });

const registerMutation = (slug: string) =>
  `mutation { registerDataset(input: { slug: "${slug}", title: "Chợ", description: "Chợ truyền thống.", classification: PUBLIC, themes: [], keywords: [], recordSchema: { type: "object", properties: { code: { type: "string" } } }, connector: { type: "csv", options: { file: "markets.csv", credentials: "test-files" } } }) { id } }`;

const countSlug = (slug: string) => story.gw.catalogue.datasets.countDocuments({ slug });

interface ErrorBody {
  errors: { message: string; extensions: Record<string, unknown> & { code: string } }[];
}

describe('CORS', () => {
  it('gives an unconfigured origin no CORS headers, on the preflight and on the request', async () => {
    const pre = await preflight(story.gw.base, EVIL);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(pre.headers.get('access-control-allow-credentials')).toBeNull();
    const actual = await fetch(`${story.gw.base}/graphql`, {
      method: 'POST',
      headers: { origin: EVIL, 'content-type': 'application/json', authorization: `Bearer ${publisher.token}` },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(actual.status).toBe(200);
    expect(actual.headers.get('access-control-allow-origin')).toBeNull();
    expect(actual.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('with CORS_ORIGINS set, allows exactly that origin, without credentials, and still nobody else', async () => {
    const own = await startTestGateway({ env: { CORS_ORIGINS: PORTAL } });
    try {
      const pre = await preflight(own.base, PORTAL);
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe(PORTAL);
      expect(pre.headers.get('access-control-allow-credentials')).toBeNull();
      expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
      expect(pre.headers.get('vary')?.toLowerCase()).toContain('origin');
      expect((await preflight(own.base, EVIL)).headers.get('access-control-allow-origin')).toBeNull();
      expect((await preflight(own.base, 'null')).headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await own.close();
    }
  });
});

describe('operations only from JSON bodies', () => {
  // The token is sent along, as a script outside a browser could: the refusal is about the body.
  const cases: [string, (slug: string) => { type?: string; body: string | FormData }][] = [
    ['form-encoded', (slug) => ({ type: 'application/x-www-form-urlencoded', body: new URLSearchParams({ query: registerMutation(slug) }).toString() })],
    ['text/plain', (slug) => ({ type: 'text/plain', body: JSON.stringify({ query: registerMutation(slug) }) })],
    ['text/plain with a charset', (slug) => ({ type: 'text/plain;charset=UTF-8', body: JSON.stringify({ query: registerMutation(slug) }) })],
    ['multipart', (slug) => {
      const form = new FormData();
      form.set('operations', JSON.stringify({ query: registerMutation(slug) }));
      form.set('map', '{}');
      return { body: form };
    }],
    ['application/graphql', (slug) => ({ type: 'application/graphql', body: registerMutation(slug) })],
  ];
  for (const [name, make] of cases) {
    it(`refuses a ${name} POST of a mutation and writes nothing`, async () => {
      const slug = `csrf-${name.replace(/[^a-z]+/g, '-')}`;
      const { type, body } = make(slug);
      const headers: Record<string, string> = { authorization: `Bearer ${publisher.token}` };
      if (type) headers['content-type'] = type;
      const before = await story.gw.auditLog.events.countDocuments();
      const response = await fetch(`${story.gw.base}/graphql`, { method: 'POST', headers, body });
      expect(response.status).toBe(415);
      const result = (await response.json()) as ErrorBody;
      expect(result.errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
      expect(result.errors[0]!.message).toMatch(/application\/json/);
      expect(await countSlug(slug)).toBe(0);
      expect(await story.gw.auditLog.events.countDocuments()).toBe(before);
    });
  }

  it('runs the same mutation from a JSON POST with nothing extra', async () => {
    const result = await publisher.gql<{ registerDataset: { id: string } }>(registerMutation('csrf-json'));
    expect(result.errors).toBeUndefined();
    expect(result.data?.registerDataset.id).toBe('tai-chinh.csrf-json');
    expect(await countSlug('csrf-json')).toBe(1);
  });

  it('answers a GET query that carries its token, refuses one that carries no non-simple header, and never runs a mutation by GET', async () => {
    const url = (query: string) => `${story.gw.base}/graphql?query=${encodeURIComponent(query)}`;
    const withToken = await fetch(url('{ me { id } }'), { headers: { authorization: `Bearer ${publisher.token}`, accept: 'application/json' } });
    expect(withToken.status).toBe(200);
    expect(((await withToken.json()) as { data: { me: { id: string } } }).data.me.id).toBe('pub');

    const bare = await fetch(url('{ me { id } }'), { headers: { accept: 'application/json' } });
    expect(bare.status).toBe(403);

    const mutation = await fetch(url(registerMutation('csrf-get')), { headers: { authorization: `Bearer ${publisher.token}`, accept: 'application/json' } });
    expect(mutation.status).toBe(405);
    expect(await countSlug('csrf-get')).toBe(0);
  });

  it('still shows GraphiQL to a browser', async () => {
    const response = await fetch(`${story.gw.base}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('GraphiQL');
  });
});

describe('token lifetime and critical headers', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const sign = (payload: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    jwt.sign({ sub: 'mallory', dept: 'tai-chinh', roles: ['publisher'], iss: story.gw.config.jwt.issuer, aud: story.gw.config.jwt.audience, ...payload }, story.gw.config.jwt.secret!, {
      algorithm: 'HS256',
      header: { alg: 'HS256', typ: 'JWT', ...header },
      // jsonwebtoken adds iat unless told not to; some cases are about a token without one.
      noTimestamp: !('iat' in payload),
    });

  const cases: [string, () => string, RegExp][] = [
    ['an expiry far in the future (exp: 1e308)', () => sign({ exp: 1e308 }), /expiry \(exp\).*maximum lifetime/],
    ['an expiry far in the future and an iat', () => sign({ iat: now(), exp: 1e308 }), /lifetime \(exp - iat\)/],
    ['an expiry a day away without iat', () => sign({ exp: now() + 86_400 }), /expiry \(exp\).*maximum lifetime/],
    ['a lifetime (exp − iat) above the maximum, though it expires soon', () => sign({ iat: now() - 86_400, exp: now() + 300 }), /lifetime \(exp - iat\)/],
    ['a crit header', () => sign({ iat: now(), exp: now() + 300 }, { crit: ['exp'] }), /crit/],
    ['an empty crit header', () => sign({ iat: now(), exp: now() + 300 }, { crit: [] }), /crit/],
  ];
  for (const [name, make, reason] of cases) {
    it(`refuses a token with ${name} as UNAUTHENTICATED, naming the reason`, async () => {
      const slug = `life-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`.slice(0, 40);
      const result = await story.gw.gql(REGISTER, { input: datasetInput({ slug }) }, make());
      expect(result.status).toBe(401);
      expect(codeOf(result)).toBe('UNAUTHENTICATED');
      expect(result.errors?.[0]?.message).toMatch(reason);
      expect(await countSlug(slug)).toBe(0);
    });
  }

  it('accepts a token at the maximum lifetime', async () => {
    const iat = now();
    const result = await story.gw.gql('{ me { id } }', undefined, sign({ iat, exp: iat + story.gw.config.jwt.maxLifetimeSeconds }));
    expect(result.errors).toBeUndefined();
  });
});

describe('/metrics', () => {
  const DRAFT_SLUG = 'ke-hoach-mat';

  it('without METRICS_TOKEN, is open but names no dataset, not even a queried draft', async () => {
    const registered = await publisher.registerDataset({ input: datasetInput({ slug: DRAFT_SLUG, classification: 'CONFIDENTIAL' }) });
    expect(registered.errors).toBeUndefined();
    const id = registered.data!.registerDataset.id;
    // The owner reads the draft: the source is asked (and fails: there is no file), which counts.
    await publisher.gql(`{ records(dataset: "${id}") { edges { node } } }`);
    expect(story.gw.records.sourceQueries.get(id)).toBeGreaterThan(0);

    const response = await fetch(`${story.gw.base}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain(id);
    expect(text).not.toContain(DRAFT_SLUG);
    expect(text).not.toMatch(/dataset="/);
    expect(text).toMatch(/^source_queries_total [1-9]\d*$/m);
  });

  it('with METRICS_TOKEN, needs that token (401 otherwise) and then counts per dataset', async () => {
    const metricsToken = 'metrics-token-for-the-prometheus-scraper';
    const own = await startTestGateway({ env: { METRICS_TOKEN: metricsToken } });
    try {
      const mine = own.as(publisherPersona);
      const registered = await mine.registerDataset({ input: datasetInput({ slug: DRAFT_SLUG }) });
      const id = registered.data!.registerDataset.id;
      await mine.gql(`{ records(dataset: "${id}") { edges { node } } }`);

      const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer wrong-token-of-some-length' }, { authorization: `Bearer ${metricsToken}x` }, { authorization: `Basic ${metricsToken}` }, { authorization: `Bearer ${mine.token}` }];
      for (const headers of attempts) {
        const refused = await fetch(`${own.base}/metrics`, { headers });
        expect(refused.status).toBe(401);
        const text = await refused.text();
        expect(text).not.toContain(id);
        expect(text).toContain('UNAUTHENTICATED');
      }
      const allowed = await fetch(`${own.base}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
      expect(allowed.status).toBe(200);
      expect(await allowed.text()).toMatch(new RegExp(`source_queries_total\\{dataset="${id.replace('.', '\\.')}"\\} [1-9]`));
    } finally {
      await own.close();
    }
  });
});

describe('request errors are the client\'s', () => {
  const noInternals = (body: unknown) => {
    const raw = JSON.stringify(body);
    expect(raw).not.toMatch(/originalError|stack|"unexpected"|at .*\.[jt]s:\d+|node_modules/);
    for (const error of (body as ErrorBody).errors) {
      expect(Object.keys(error.extensions).every((k) => ['code', 'details', 'http'].includes(k))).toBe(true);
    }
  };

  it('names a missing required input field', async () => {
    const input = datasetInput({ slug: 'no-title' });
    delete input['title'];
    const result = await publisher.registerDataset({ input });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(/title/);
    noInternals(result);
    expect(await countSlug('no-title')).toBe(0);
  });

  it('names a bad DateTime variable', async () => {
    const result = await publisher.requestAccess({ input: { datasetId: 'tai-chinh.x', fields: ['a'], purpose: 'Kiểm tra', until: 'next tuesday' } });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(/until/);
    expect(result.errors?.[0]?.message).toMatch(/DateTime/);
    noInternals(result);
  });

  it('names a variable of the wrong type and an unknown operation name', async () => {
    const wrong = await publisher.gql('query($first: Int) { datasets(first: $first) { totalCount } }', { first: 'ten' });
    expect(codeOf(wrong)).toBe('BAD_USER_INPUT');
    expect(wrong.errors?.[0]?.message).toMatch(/\$first/);
    noInternals(wrong);
    const response = await fetch(`${story.gw.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${publisher.token}` },
      body: JSON.stringify({ query: 'query A { me { id } } query B { me { id } }', operationName: 'C' }),
    });
    const body = (await response.json()) as ErrorBody;
    expect(body.errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
    expect(body.errors[0]!.message).toMatch(/C/);
  });

  it('refuses an invalid JSON body as BAD_USER_INPUT without echoing the parser internals', async () => {
    for (const text of ['{"query": ', '{"query": "{ me { id } }", }', '[1, 2', 'null', '"just a string"']) {
      const response = await fetch(`${story.gw.base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${publisher.token}` },
        body: text,
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as ErrorBody;
      expect(body.errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
      expect(body.errors[0]!.message).toMatch(/JSON|POST body/);
      noInternals(body);
    }
  });
});
