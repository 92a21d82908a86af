import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { directOperation } from '../server/http/graphql-direct.js';
import { analystOfTaiChinh, officerOfCongAn } from './kit/personas.js';
import { withPublishedSource } from './kit/stories.js';
import { peopleRows } from './sample-rows.js';

const residents = withPublishedSource(peopleRows(30), 'RESTRICTED');
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
    return { status: response.status, type: response.headers.get('content-type'), cache: response.headers.get('cache-control'), body: await response.text() };
  };
  const direct = await send({});
  const viaYoga = await send({ accept: 'application/json, */*' });
  // Equal as JSON: the order of "data" and "errors" is the executor's (compiled or not), not the path's.
  const parsed = (a: typeof direct) => ({ ...a, body: JSON.parse(a.body) as unknown });
  expect(parsed(direct)).toEqual(parsed(viaYoga));
  return direct;
}

const json = (query: string, more: Record<string, unknown> = {}) => JSON.stringify({ query, ...more });

describe('the direct GraphQL path', () => {
  it('is taken only by plain JSON POSTs to the endpoint', () => {
    const req = (headers: Record<string, string>, body: unknown = Buffer.from(json('{ me { id } }')), method = 'POST', url = '/graphql') =>
      ({ method, url, headers, body }) as Pick<Request, 'method' | 'url' | 'headers' | 'body'>;
    const take = (r: ReturnType<typeof req>) => directOperation(r as Request);
    expect(take(req({ 'content-type': 'application/json' }))).toEqual({ query: '{ me { id } }' });
    expect(take(req({ 'content-type': 'application/json; charset=utf-8', accept: '*/*' }))).not.toBeNull();
    expect(take(req({ 'content-type': 'application/json', accept: 'application/json, */*' }))).toBeNull();
    expect(take(req({ 'content-type': 'application/json', accept: 'application/graphql-response+json' }))).toBeNull();
    expect(take(req({ 'content-type': 'application/json', origin: 'https://elsewhere.example' }))).toBeNull();
    expect(take(req({ 'content-type': 'text/plain' }))).toBeNull();
    expect(take(req({ 'content-type': 'APPLICATION/JSON' }))).toBeNull();
    expect(take(req({ 'content-type': 'application/json' }, Buffer.from(json('{ me { id } }', { extensions: {} }))))).toBeNull();
    expect(take(req({ 'content-type': 'application/json' }, Buffer.from('[{"query":"{ me { id } }"}]')))).toBeNull();
    expect(take(req({ 'content-type': 'application/json' }, Buffer.from('{"query":')))).toBeNull();
    expect(take(req({ 'content-type': 'application/json' }, undefined, 'POST', '/graphql?query=x'))).toBeNull();
    expect(take(req({ 'content-type': 'application/json' }, undefined, 'GET'))).toBeNull();
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
    expect(JSON.parse(answer.body).errors[0].extensions.code).toBe('BAD_USER_INPUT');
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
});
