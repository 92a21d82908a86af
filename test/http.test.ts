import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { badInput } from '../server/errors.js';
import { createMaskError } from '../server/http/error-masking.js';
import { createLogger } from '../server/logger.js';
import { startJavaMongo } from '../server/mongo/java-server.js';
import { codeOf, startTestGateway } from './kit.js';
import { analystOfTaiChinh } from './kit/personas.js';
import { withGateway } from './kit/stories.js';

const story = withGateway({ env: { MAX_BODY_BYTES: '4096', QUERY_MAX_DEPTH: '4', QUERY_MAX_ALIASES: '3' } });
const analyst = story.as(analystOfTaiChinh);

describe('HTTP endpoints', () => {
  it('answers /healthz and /readyz while MongoDB is up', async () => {
    expect((await fetch(`${story.gw.base}/healthz`)).status).toBe(200);
    expect((await fetch(`${story.gw.base}/readyz`)).status).toBe(200);
  });

  it('shows GraphiQL to a browser', async () => {
    const response = await fetch(`${story.gw.base}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('GraphiQL');
  });

  it('counts operations by name in /metrics', async () => {
    await analyst.gql('query WhoAmI { me { id } }');
    const text = await (await fetch(`${story.gw.base}/metrics`)).text();
    expect(text).toMatch(/graphql_operations_total\{operation="WhoAmI",type="query",outcome="ok"\} 1/);
    expect(text).toMatch(/graphql_operation_duration_seconds_count\{operation="WhoAmI",type="query"\} 1/);
    expect(text).toMatch(/http_requests_total\{method="POST",route="\/graphql",status="200"\}/);
  });

  it('echoes a request id, or makes one', async () => {
    const given = await fetch(`${story.gw.base}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const made = await fetch(`${story.gw.base}/healthz`);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('query limits', () => {
  it('refuses a body larger than the limit with 413', async () => {
    const query = `{ me { id } } # ${'x'.repeat(5000)}`;
    const response = await fetch(`${story.gw.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${analyst.token}` },
      body: JSON.stringify({ query }),
    });
    expect(response.status).toBe(413);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('refuses a query deeper than the limit', async () => {
    const deep = '{ datasets { edges { node { department { code } fields { name mask { strategy } } } } } }';
    expect(codeOf(await analyst.gql(deep))).toBe('BAD_USER_INPUT');
    expect(codeOf(await analyst.gql('{ me { department { code } } }'))).toBeUndefined();
  });

  it('refuses too many aliases', async () => {
    const aliased = `{ ${Array.from({ length: 5 }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
    expect(codeOf(await analyst.gql(aliased))).toBe('BAD_USER_INPUT');
  });

  it('reports syntax errors as BAD_USER_INPUT without internals', async () => {
    const result = await analyst.gql('{ me { id ');
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    const raw = JSON.stringify(result.errors);
    expect(raw).not.toMatch(/stack|mongodb:\/\/|at .*\.ts:/);
  });
});

describe('readiness', () => {
  it('turns /readyz to 503 when MongoDB stops, while /healthz stays 200', async () => {
    const mongo = await startJavaMongo(createLogger('silent'));
    const own = await startTestGateway({ mongoUri: mongo.uri });
    try {
      expect((await fetch(`${own.base}/readyz`)).status).toBe(200);
      await mongo.stop();
      const response = await fetch(`${own.base}/readyz`);
      expect(response.status).toBe(503);
      expect(JSON.stringify(await response.json())).not.toContain('mongodb://');
      expect((await fetch(`${own.base}/healthz`)).status).toBe(200);
    } finally {
      own.server.closeAllConnections();
      own.server.close();
      await own.client.close(true);
    }
  });
});

describe('error masking', () => {
  const capture = () => {
    const lines: string[] = [];
    return { lines, mask: createMaskError(createLogger('debug', { write: (line: string) => void lines.push(line) })) };
  };
  const json = (error: Error) => JSON.parse(JSON.stringify(error)) as { message: string; path?: unknown; extensions: Record<string, unknown> };

  it('hides an unexpected error during execution behind "Unexpected error." and logs it once, redacted', () => {
    const { lines, mask } = capture();
    const thrown = new TypeError('cannot reach mongodb://user:pw@10.0.0.5 for 079123456789');
    const masked = json(mask(new GraphQLError(thrown.message, { path: ['records'], originalError: thrown })));
    expect(masked).toEqual({ message: 'Unexpected error.', path: ['records'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('079123456789');
  });

  it('keeps a domain error at its path with only code and details', () => {
    const { lines, mask } = capture();
    const error = badInput('Invalid filter.', [{ path: 'where.x', message: 'unknown field' }]);
    const masked = json(mask(new GraphQLError(error.message, { path: ['records'], originalError: error })));
    expect(masked.extensions).toEqual({ code: 'BAD_USER_INPUT', details: [{ path: 'where.x', message: 'unknown field' }] });
    expect(lines).toHaveLength(0);
  });

  it('makes any error before execution (no path) BAD_USER_INPUT with whitelisted extensions only', () => {
    const { lines, mask } = capture();
    const inner = new GraphQLError('Expected value of type "Int", found "ten".');
    const variables = new GraphQLError('Variable "$first" got invalid value "ten"; Int cannot represent non-integer value: "ten"', { originalError: inner });
    expect(json(mask(variables)).extensions).toEqual({ code: 'BAD_USER_INPUT', http: { status: 400 } });
    const body = new GraphQLError('POST body sent invalid JSON.', { extensions: { code: 'BAD_REQUEST', http: { spec: true, status: 400 }, originalError: { name: 'SyntaxError', message: 'Unexpected end' } } });
    expect(json(mask(body))).toEqual({ message: 'POST body sent invalid JSON.', extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
    const scalar = new GraphQLError('Variable "$x" got invalid value 1; oops', { originalError: new TypeError('oops') });
    expect(json(mask(scalar)).extensions['code']).toBe('BAD_USER_INPUT');
    expect(lines).toHaveLength(0);
  });

  it('still masks a raw error raised outside execution (a schema that cannot be built)', () => {
    const { lines, mask } = capture();
    expect(json(mask(new Error('connect ECONNREFUSED 127.0.0.1:27017'))).extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    expect(lines).toHaveLength(1);
  });
});
