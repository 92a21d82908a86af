import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { plainOperation, takesDirectPath } from '../server/http/graphql-direct.js';
import { analystOfTaiChinh, officerOfCongAn } from './kit/personas.js';
import { withPublishedSource } from './kit/stories.js';
import { peopleRows } from './sample-rows.js';

const lines: string[] = [];
const residents = withPublishedSource(peopleRows(30), 'RESTRICTED', {
  gateway: { env: { LOG_LEVEL: 'info', MAX_BODY_BYTES: '4096', REQUEST_TIMEOUT_MS: '1500' }, logDestination: { write: (line: string) => void lines.push(line) } },
});
const officer = residents.as(officerOfCongAn);
const analyst = residents.as(analystOfTaiChinh);

/**
 * A plain JSON POST takes the direct path (yoga's operation pipeline without its Fetch API
 * emulation); the same POST with an Accept list goes through yoga's whole handler, which picks
 * the same JSON answer. Both must answer alike, whatever goes wrong.
 */
async function bothWays(body: string, token: string | null, extra: Record<string, string> = {}) {
  const send = async (accept: Record<string, string>) => {
    const response = await fetch(`${residents.gw.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra, ...accept },
      body,
    });
    const header = (name: string) => response.headers.get(name);
    const protections = ['cache-control', 'vary', 'x-content-type-options', 'x-frame-options', 'content-security-policy'].map((name) => [name, header(name)]);
    return { status: response.status, type: header('content-type'), cache: header('cache-control'), protections, requestId: /^[0-9a-f-]{36}$/.test(header('x-request-id') ?? ''), body: await response.text() };
  };
  const direct = await send({});
  const viaYoga = await send({ accept: 'application/json, */*' });
  // Equal as JSON: the order of "data" and "errors" is the executor's (compiled or not), not the path's.
  const parsed = (a: typeof direct) => ({ ...a, body: JSON.parse(a.body) as unknown });
  expect(parsed(direct)).toEqual(parsed(viaYoga));
  return direct;
}

const json = (query: string, more: Record<string, unknown> = {}) => JSON.stringify({ query, ...more });

/** The direct path's headers, or (with `viaExpress`) an Accept list that sends the request through express and yoga's handler. */
const rawHead = (token: string, headers: Record<string, string | number>, viaExpress: boolean) =>
  `POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: Bearer ${token}\r\n` +
  (viaExpress ? 'accept: application/json, */*\r\n' : '') +
  Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('') +
  '\r\n';

/**
 * Sends `head` and the start of a body on a raw socket and never sends the rest; resolves with
 * what the server wrote until it closed the connection (or 5 s passed) and when it closed.
 */
function partialUpload(base: string, head: string, bodyStart: string, hangUpAfterMs?: number): Promise<{ text: string; closedMs: number | null }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(Number(port), hostname, () => socket.write(head + bodyStart));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('error', () => undefined);
    const giveUp = setTimeout(() => {
      socket.destroy();
      resolve({ text, closedMs: null });
    }, 5000);
    socket.on('close', () => {
      clearTimeout(giveUp);
      resolve({ text, closedMs: Date.now() - started });
    });
    if (hangUpAfterMs !== undefined) setTimeout(() => socket.destroy(), hangUpAfterMs);
  });
}

describe('the direct GraphQL path', () => {
  it('is taken only by plain JSON POSTs to the endpoint', () => {
    const req = (headers: Record<string, string>, method = 'POST', url = '/graphql') => ({ method, url, headers });
    expect(takesDirectPath(req({ 'content-type': 'application/json' }))).toBe(true);
    expect(takesDirectPath(req({ 'content-type': 'application/json; charset=utf-8', accept: '*/*' }))).toBe(true);
    expect(takesDirectPath(req({ 'content-type': 'application/json', accept: 'application/json, */*' }))).toBe(false);
    expect(takesDirectPath(req({ 'content-type': 'application/json', accept: 'application/graphql-response+json' }))).toBe(false);
    expect(takesDirectPath(req({ 'content-type': 'application/json', origin: 'https://elsewhere.example' }))).toBe(false);
    expect(takesDirectPath(req({ 'content-type': 'text/plain' }))).toBe(false);
    expect(takesDirectPath(req({ 'content-type': 'APPLICATION/JSON' }))).toBe(false);
    expect(takesDirectPath(req({ 'content-type': 'application/json' }, 'POST', '/graphql?query=x'))).toBe(false);
    expect(takesDirectPath(req({ 'content-type': 'application/json' }, 'POST', '/GRAPHQL'))).toBe(false);
    expect(takesDirectPath(req({ 'content-type': 'application/json' }, 'GET'))).toBe(false);

    const body = (text: string) => plainOperation(Buffer.from(text));
    expect(body(json('{ me { id } }'))).toEqual({ query: '{ me { id } }' });
    expect(body(json('{ me { id } }', { variables: null, operationName: null }))).toEqual({ query: '{ me { id } }' });
    expect(body(json('{ me { id } }', { extensions: {} }))).toBeNull();
    expect(body(json('{ me { id } }', { variables: [1] }))).toBeNull();
    expect(body('[{"query":"{ me { id } }"}]')).toBeNull();
    expect(body('{"query":')).toBeNull();
    expect(body('{"query": 1}')).toBeNull();
  });

  it('answers a read and its errors exactly as yoga does', async () => {
    const read = `{ data { cong_an_people(first: 2) { edges { node { citizenId fullName } } } } }`;
    const ok = await bothWays(json(read), officer.token);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).data.data.cong_an_people.edges).toHaveLength(2);
    // A grantee without a grant: FORBIDDEN on the field, data null beside it.
    expect(JSON.parse((await bothWays(json(read), analyst.token)).body).errors[0].extensions.code).toBe('FORBIDDEN');
    expect((await bothWays(json('query Q($n: Int!) { data { cong_an_people(first: $n) { edges { node { citizenId } } } } }', { variables: { n: 2 }, operationName: 'Q' }), officer.token)).status).toBe(200);
  });

  it('words variable errors alike on the first (interpreted) and later (compiled) runs of a document', async () => {
    const query = 'query($f: DatasetFilter, $n: Int!) { datasets(filter: $f, first: $n) { totalCount } }';
    const answers = [];
    for (let run = 0; run < 3; run++) {
      for (const variables of [{ f: { classifications: ['SECRET'] }, n: 1 }, { n: 'x' }, {}]) {
        const answer = await bothWays(json(query, { variables }), officer.token);
        expect(answer.status).toBe(400);
        answers.push(JSON.parse(answer.body));
      }
    }
    expect(answers.slice(3)).toEqual([...answers.slice(0, 3), ...answers.slice(0, 3)]);
    expect(answers[0].errors[0].message).toContain('$f');
  });

  it('answers a query that does not fit the schema with 400, as the API says', async () => {
    const answer = await bothWays(json('{ mee }'), officer.token);
    expect(answer.status).toBe(400);
    // The code only: the status yoga is told to answer with (extensions.http) stays internal.
    expect(JSON.parse(answer.body).errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT' });
  });

  it('refuses an empty body at once instead of waiting for one', async () => {
    for (const path of ['/graphql', '/graphql?']) {
      const response = await fetch(`${residents.gw.base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${officer.token}` }, body: '', signal: AbortSignal.timeout(5000) });
      expect(response.status).toBe(400);
      expect((await response.json()).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
  });

  it('answers every kind of refusal exactly as yoga does', async () => {
    const cases: [string, string | null, number][] = [
      [json('{ me { id } }'), null, 401],
      [json('{ me { id } }'), 'not-a-jwt', 401],
      [json('{ me { id '), officer.token, 400],
      [json('{ me { nope } }'), officer.token, 400],
      [json('query Q($n: Int!) { me { id } }', { variables: { n: 'x' } }), officer.token, 400],
      [json('query A { me { id } } query B { me { id } }', { operationName: 'C' }), officer.token, 400],
      [json('{ me { id } }', { variables: { v: 'a\u0000b' } }), officer.token, 400],
      [json(`{ ${'a: me { id } '.repeat(40)} }`), officer.token, 400],
      [json('{ records(dataset: "cong-an.nope", first: 1) { edges { cursor } } }'), officer.token, 200],
      [json('{ data { cong_an_people(first: 100000) { edges { node { citizenId } } } } }'), officer.token, 400],
      [json('mutation { publishDataset(id: "cong-an.nope") { id } }'), analyst.token, 200],
    ];
    for (const [body, token, status] of cases) {
      const answer = await bothWays(body, token);
      expect(answer.status, body).toBe(status);
      expect(answer.cache).toBe('no-store');
      expect(JSON.parse(answer.body).errors?.[0]?.extensions?.code, body).toBeTruthy();
      expect(answer.body).not.toMatch(/stack|\bat \//);
    }
  });

  it('logs each request once with its id, counts it and echoes the id, like every other route', async () => {
    const from = lines.length;
    for (const [id, accept] of [['direct-1', {}], ['via-yoga-1', { accept: 'application/json, */*' }]] as const) {
      const response = await fetch(`${residents.gw.base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${officer.token}`, 'x-request-id': id, ...accept },
        body: json('{ me { id } }'),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-request-id')).toBe(id);
    }
    // pino writes the line once the answer is out; give the event loop a turn.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const completed = lines
      .slice(from)
      .map((line) => JSON.parse(line) as { msg?: string; req?: { id?: string; method?: string; path?: string }; res?: { statusCode?: number } })
      .filter((entry) => entry.msg === 'request completed');
    for (const id of ['direct-1', 'via-yoga-1']) {
      expect(completed.filter((entry) => entry.req?.id === id)).toEqual([expect.objectContaining({ req: { id, method: 'POST', path: '/graphql' }, res: { statusCode: 200 } })]);
    }
    expect(lines.slice(from).join('')).not.toMatch(/authorization|Bearer/i);
    const metrics = await (await fetch(`${residents.gw.base}/metrics`)).text();
    expect(metrics).toMatch(/http_requests_total\{method="POST",route="\/graphql",status="200"\} \d+/);
  });

  it('refuses a body over the limit with 413 on both paths, sent whole or in chunks, and goes on answering', async () => {
    const big = json(`{ me { id } } # ${'x'.repeat(5000)}`);
    const answer = await bothWays(big, officer.token);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).errors[0]).toMatchObject({ message: 'Request body larger than 4096 bytes.', extensions: { code: 'BAD_USER_INPUT' } });
    // Announced larger than the limit but sent in chunks: refused all the same.
    const chunked = await fetch(`${residents.gw.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${officer.token}` },
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect((await bothWays(json('{ me { id } }'), officer.token)).status).toBe(200);
  });

  it('refuses a body announced over the limit at once, without reading it, and closes the connection, on both paths', async () => {
    for (const viaExpress of [false, true]) {
      const { text, closedMs } = await partialUpload(residents.gw.base, rawHead(officer.token, { 'content-length': 100_000_000 }, viaExpress), '{"query":');
      expect(text).toMatch(/^HTTP\/1\.1 413 /);
      expect(text).toMatch(/\r\nconnection: close\r\n/i);
      // Refusals of the body carry the same protective headers as answers.
      expect(text).toMatch(/\r\ncache-control: no-store\r\n/i);
      expect(text).toMatch(/\r\nx-content-type-options: nosniff\r\n/i);
      expect(closedMs).not.toBeNull();
      expect(closedMs!).toBeLessThan(1500);
    }
  });

  it('cuts a client that sends its body too slowly with 408 after REQUEST_TIMEOUT_MS', async () => {
    for (const viaExpress of [false, true]) {
      const { text, closedMs } = await partialUpload(residents.gw.base, rawHead(officer.token, { 'content-length': 200 }, viaExpress), '{"query":');
      expect(text).toMatch(/^HTTP\/1\.1 408 /);
      expect(closedMs!).toBeGreaterThanOrEqual(1400);
    }
  });

  it('logs an upload the client broke off as a refusal (400), not as answered', async () => {
    for (const [id, viaExpress] of [['broken-direct', false], ['broken-express', true]] as const) {
      const from = lines.length;
      await partialUpload(residents.gw.base, rawHead(officer.token, { 'content-length': 200, 'x-request-id': id }, viaExpress), '{"query":', 100);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const entries = lines.slice(from).map((line) => JSON.parse(line) as { req?: { id?: string }; res?: { statusCode?: number } });
      expect(entries.filter((e) => e.req?.id === id).map((e) => e.res?.statusCode)).toEqual([400]);
    }
  });

  it('refuses a compressed body with 415 on both paths rather than reading its bytes as JSON', async () => {
    const plain = json('{ me { id } }');
    for (const [encoding, body] of [['gzip', gzipSync(plain)], ['gzip', Buffer.from(plain)], ['br', Buffer.from(plain)]] as const) {
      for (const accept of [{}, { accept: 'application/json, */*' }] as Record<string, string>[]) {
        const response = await fetch(`${residents.gw.base}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-encoding': encoding, authorization: `Bearer ${officer.token}`, ...accept },
          body,
        });
        expect(response.status).toBe(415);
        expect(response.headers.get('cache-control')).toBe('no-store');
        expect((await response.json()).errors[0].extensions.code).toBe('BAD_USER_INPUT');
      }
    }
    // A request without a body is not refused for the header alone: GraphiQL's page still opens.
    const page = await fetch(`${residents.gw.base}/graphql`, { headers: { accept: 'text/html', 'content-encoding': 'gzip' } });
    expect(page.status).toBe(200);
  });
});
