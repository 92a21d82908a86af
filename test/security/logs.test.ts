import { GraphQLError, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { queryHash, serializeError, serializeRequest } from '../../server/logger.js';
import { analystOfTaiChinh, officerOfCongAn } from '../kit/personas.js';
import { withPublishedSource } from '../kit/stories.js';
import { peopleRows } from '../sample-rows.js';
import { csvSource } from '../sources.js';

/**
 * Logs carry no personal data: a citizen id or a name sent in a filter, a variable or an export
 * URL never reaches the log, at any level, whatever fails. What the log keeps instead: the
 * operation name, the dataset, a hash of the query, the request's method and path.
 */
const rows = peopleRows(20);
const person = rows[3]!;
const other = rows[7]!;
const lines: string[] = [];
const people = withPublishedSource(rows, 'RESTRICTED', {
  source: csvSource,
  gateway: { env: { LOG_LEVEL: 'debug' }, logDestination: { write: (line: string) => void lines.push(line) } },
});
const owner = people.as(officerOfCongAn);

/** What was logged since `from`, parsed, with the raw text for substring checks. */
function logged(from: number) {
  const text = lines.slice(from).join('');
  return { text, entries: lines.slice(from).map((line) => JSON.parse(line) as Record<string, unknown>) };
}

function expectNoPersonalData(text: string) {
  for (const value of [person.citizenId, other.citizenId, person.fullName, other.fullName]) expect(text).not.toContain(value);
  // Nor the values' JSON-escaped or URL-encoded forms.
  expect(text).not.toContain(encodeURIComponent(person.fullName));
  expect(text).not.toContain(JSON.stringify(person.fullName).slice(1, -1));
}

describe('failing requests leave no personal data in the log', () => {
  it('a filter on a citizen id and a name, as literals and as variables, in failing and succeeding reads', async () => {
    const from = lines.length;
    const requests: [string, Record<string, unknown> | undefined][] = [
      // A dataset that does not exist: the literal filter used to be printed with the query source.
      [`query FindCitizen { records(dataset: "cong-an.nope", where: { citizenId: { eq: "${person.citizenId}" } }) { edges { node } } }`, undefined],
      // A filter of the wrong type for its field, the value echoed in the client's error.
      [`query Typed { records(dataset: "cong-an.people", where: { birthYear: { eq: "${person.citizenId}" }, fullName: { eq: "${person.fullName}" } }) { edges { node } } }`, undefined],
      ['query Vars($where: JSON) { records(dataset: "cong-an.people", where: $where) { edges { node } } }', { where: { citizenId: { gte: other.citizenId, eq: { nested: other.fullName } } } }],
      // A variable that fails coercion: graphql-js quotes the value in its message.
      ['mutation Ask($input: AccessRequestInput!) { requestAccess(input: $input) { id } }', { input: { datasetId: 'cong-an.people', fields: ['citizenId'], purpose: person.fullName, until: person.citizenId } }],
      // A syntax error right after a literal.
      [`{ records(dataset: "cong-an.people", where: { citizenId: { eq: "${person.citizenId}" } } { edges { node } } }`, undefined],
      // A read that succeeds and is audited.
      ['query Ok($where: JSON) { records(dataset: "cong-an.people", where: $where) { edges { node } } }', { where: { citizenId: { eq: person.citizenId } } }],
    ];
    for (const [query, variables] of requests) await owner.gql(query, variables);
    // Another department filtering on a field it may not see (FORBIDDEN), with the value in the filter.
    await people.as(analystOfTaiChinh).gql('query Masked($where: JSON) { records(dataset: "cong-an.people", where: $where) { edges { node } } }', { where: { citizenId: { eq: person.citizenId } } });
    // An invalid JSON body carrying the id.
    await fetch(`${people.gw.base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.token}` }, body: `{"query": "{ me { id } }", "variables": {"id": "${person.citizenId}"` });

    const { text, entries } = logged(from);
    expectNoPersonalData(text);
    // What is logged instead: the operation, the dataset and the hash of the document.
    const findCitizen = `query FindCitizen { records(dataset: "cong-an.nope", where: { citizenId: { eq: "${person.citizenId}" } }) { edges { node } } }`;
    expect(entries).toContainEqual(expect.objectContaining({ operation: 'FindCitizen', dataset: 'cong-an.nope', queryHash: queryHash(findCitizen) }));
    expect(entries.some((e) => (e['req'] as { path?: string } | undefined)?.path === '/graphql')).toBe(true);
  });

  it('an export URL with a citizen id in its query string, refused and served', async () => {
    const from = lines.length;
    const where = encodeURIComponent(JSON.stringify({ citizenId: { eq: person.citizenId } }));
    const refused = await fetch(`${people.gw.base}/export/cong-an.people.ndjson?where=${where}&select=${encodeURIComponent(JSON.stringify([other.fullName]))}`, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(refused.status).toBe(400);
    await refused.text();
    const served = await fetch(`${people.gw.base}/export/cong-an.people.ndjson?where=${where}`, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(served.status).toBe(200);
    expect(await served.text()).toContain(person.citizenId);
    await new Promise((resolve) => setTimeout(resolve, 50));

    const { text, entries } = logged(from);
    expectNoPersonalData(text);
    expect(text).not.toContain('where=');
    const exports = entries.filter((e) => (e['req'] as { path?: string } | undefined)?.path === '/export/cong-an.people.ndjson');
    expect(exports.length).toBeGreaterThanOrEqual(2);
    for (const entry of exports) expect(Object.keys(entry['req'] as object).sort()).toEqual(['id', 'method', 'path']);
  });
});

describe('the serializers', () => {
  it('keep a driver error\'s type, code and a redacted message and stack, and drop its detail', () => {
    const error = Object.assign(new Error(`duplicate key value violates unique constraint "residents_pkey": Key ("citizenId")=(${person.citizenId}) already exists`), {
      code: '23505',
      detail: `Key ("citizenId")=(${person.citizenId}) already exists.`,
      where: `SQL statement "INSERT ... '${person.fullName}'"`,
    });
    const out = serializeError(error);
    expect(out.code).toBe('23505');
    expect(out.type).toBe('Error');
    expect(out.stack?.split('\n')[0]).toBe(`Error: ${out.message}`);
    expect(out.stack?.split('\n').slice(1).every((line) => /^\s+at /.test(line))).toBe(true);
    expect(Object.keys(out).sort()).toEqual(['code', 'message', 'stack', 'type']);
    expectNoPersonalData(JSON.stringify(out));
    expect(out.message).toMatch(/^duplicate key value violates unique constraint/);
  });

  it('log a GraphQL error without its source, nodes or original error', () => {
    const document = parse(`{ records(dataset: "cong-an.people", where: { fullName: { eq: "${person.fullName}" } }) { edges { node } } }`);
    const error = new GraphQLError(`Value "${person.fullName}" is not valid`, { nodes: document.definitions[0]!, path: ['records'], originalError: new Error(person.citizenId), extensions: { code: 'BAD_USER_INPUT' } });
    const out = serializeError(error);
    expect(out.code).toBe('BAD_USER_INPUT');
    expect(out.path).toEqual(['records']);
    expectNoPersonalData(JSON.stringify(out));
  });

  it('redact a quote left open to the end of its line, and an output value a scalar could not serialise', () => {
    // A source value ending in a backslash escapes the closing quote of the message that quotes it.
    const open = serializeError(new Error(`score: "${person.fullName} ${person.citizenId}\\" is not a integer\nnext line`));
    expect(open.message).toBe('score: "…"\nnext line');
    for (const message of [`SafeInt cannot represent non-integer value: ${person.fullName}, 12 Lý Tự Trọng`, `Value is not a valid date-time: ${person.fullName}`, `opened “${person.fullName}`, `opened \`${person.fullName}`]) {
      expectNoPersonalData(JSON.stringify(serializeError(new GraphQLError(message))));
    }
    // Ordinary messages keep their words.
    expect(serializeError(new Error('Expected value of type "Int", found x; a comment: it stays')).message).toBe('Expected value of type "…", found x; a comment: it stays');
  });

  it('log a request by method, path and id only', () => {
    const req = { id: 'r-1', method: 'GET', originalUrl: `/export/cong-an.people.ndjson?where=${person.citizenId}`, headers: { authorization: 'Bearer x' } };
    const out = serializeRequest(req);
    expect(out).toEqual({ id: 'r-1', method: 'GET', path: '/export/cong-an.people.ndjson' });
  });
});
