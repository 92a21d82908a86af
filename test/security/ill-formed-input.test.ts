import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { datasetInput } from '../fixtures.js';
import { dataOf, type GqlResult } from '../kit.js';
import { like, publisherOfTaiChinh } from '../kit/personas.js';
import { withGateway } from '../kit/stories.js';

/**
 * Ill-formed text (a lone UTF-16 surrogate, which has no UTF-8 form, and NUL, which ends a C
 * string) is refused where it enters, before any resolver: in variables (deep, keys too), in
 * JSON scalars, in string literals of the document, in operationName. BAD_USER_INPUT, and
 * nothing is written: no catalogue document, no audit event.
 */
const story = withGateway();
const publisher = story.as(like(publisherOfTaiChinh, { roles: ['publisher', 'analyst'] }));
let draft: string;

const LONE_HIGH = 'Chợ \ud800 Bến Thành';
const LONE_LOW = 'x\udc00';
const NUL = 'a\u0000b';

beforeAll(async () => {
  draft = dataOf(await publisher.registerDataset({ input: datasetInput({ slug: 'cho' }) })).registerDataset.id;
});

let datasets: number;
let events: number;
let title: unknown;
beforeEach(async () => {
  datasets = await story.gw.catalogue.datasets.countDocuments();
  events = await story.gw.auditLog.events.countDocuments();
  title = (await story.gw.catalogue.datasets.findOne({ _id: draft }))?.title;
});

async function expectRefusedAndNothingWritten(result: { status: number; errors?: GqlResult['errors'] }, path?: RegExp) {
  expect([200, 400]).toContain(result.status);
  const error = result.errors?.[0];
  expect(error?.extensions?.code).toBe('BAD_USER_INPUT');
  if (path) expect(error?.extensions?.details?.map((d) => d.path).join(' ')).toMatch(path);
  expect(await story.gw.catalogue.datasets.countDocuments()).toBe(datasets);
  expect(await story.gw.auditLog.events.countDocuments()).toBe(events);
  expect((await story.gw.catalogue.datasets.findOne({ _id: draft }))?.title).toEqual(title);
}

/** A raw POST, for what the kit's client cannot say (operationName, extensions). */
async function post(body: Record<string, unknown>) {
  const response = await fetch(`${story.gw.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${publisher.token}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, ...((await response.json()) as { errors?: GqlResult['errors'] }) };
}


describe('in variables', () => {
  it.each([
    ['a lone high surrogate', LONE_HIGH],
    ['a lone low surrogate', LONE_LOW],
    ['NUL', NUL],
  ])('refuses %s in a String variable field', async (_name, value) => {
    await expectRefusedAndNothingWritten(await publisher.updateDataset({ id: draft, input: { title: value } }), /^variables\.input\.title$/);
  });

  it('refuses one in a nested input list', async () => {
    const input = datasetInput({ slug: 'cho-2', keywords: ['chợ', NUL] });
    await expectRefusedAndNothingWritten(await publisher.registerDataset({ input }), /^variables\.input\.keywords\.1$/);
  });

  it('refuses one deep inside a JSON scalar (a record schema), and in a key', async () => {
    const input = datasetInput({ slug: 'cho-3' });
    const schema = structuredClone(input['recordSchema']) as { properties: Record<string, Record<string, unknown>> };
    schema.properties['name']!['title'] = LONE_LOW;
    await expectRefusedAndNothingWritten(await publisher.registerDataset({ input: { ...input, recordSchema: schema } }), /^variables\.input\.recordSchema\.properties\.name\.title$/);
    const keyed = structuredClone(input['recordSchema']) as { properties: Record<string, unknown> };
    keyed.properties[`stalls${NUL}`] = { type: 'integer' };
    await expectRefusedAndNothingWritten(await publisher.registerDataset({ input: { ...input, recordSchema: keyed } }), /^variables\.input\.recordSchema\.properties\.<key>$/);
  });

  it('refuses one in a JSON filter of a read, which is then neither run nor audited', async () => {
    await expectRefusedAndNothingWritten(await publisher.records({ dataset: draft, where: { name: { eq: LONE_HIGH } } }), /^variables\.where\.name\.eq$/);
    await expectRefusedAndNothingWritten(await publisher.records({ dataset: draft, where: { or: [{ name: { in: ['a', NUL] } }] } }), /^variables\.where\.or\.0\.name\.in\.1$/);
    await expectRefusedAndNothingWritten(await publisher.records({ dataset: draft, where: { [`na${NUL}me`]: { eq: 'x' } } }), /^variables\.where\.<key>$/);
  });

  it('refuses one in GET variables', async () => {
    const query = encodeURIComponent('query($id: ID!) { dataset(id: $id) { id } }');
    const variables = encodeURIComponent(JSON.stringify({ id: NUL }));
    const response = await fetch(`${story.gw.base}/graphql?query=${query}&variables=${variables}`, { headers: { authorization: `Bearer ${publisher.token}`, accept: 'application/json' } });
    await expectRefusedAndNothingWritten({ status: response.status, ...((await response.json()) as { errors?: GqlResult['errors'] }) }, /^variables\.id$/);
  });
});

describe('in the document', () => {
  it('refuses a string literal whose escape decodes to NUL', async () => {
    const result = await publisher.gql(`mutation { updateDataset(id: "${draft}", input: { title: "x\\u0000y" }) { id } }`);
    await expectRefusedAndNothingWritten(result, /^query:1:\d+$/);
  });

  // graphql-js's lexer already refuses these escapes (a syntax error); kept so that stays true.
  it('refuses a string literal whose escape decodes to a lone surrogate', async () => {
    await expectRefusedAndNothingWritten(await publisher.gql(`mutation { updateDataset(id: "${draft}", input: { title: "x\\ud800y" }) { id } }`));
    await expectRefusedAndNothingWritten(await publisher.gql(`mutation { updateDataset(id: "${draft}", input: { title: "x\\u{DC00}y" }) { id } }`));
  });

  it('refuses a literal inside an inline JSON value', async () => {
    await expectRefusedAndNothingWritten(await publisher.gql(`{ records(dataset: "${draft}", where: { name: { eq: "\\u0000" } }) { edges { node } } }`), /^query:1:\d+$/);
  });

  it('refuses a lone surrogate in the query text itself', async () => {
    await expectRefusedAndNothingWritten(await publisher.gql(`mutation { updateDataset(id: "${draft}", input: { title: "${LONE_HIGH}" }) { id } }`), /^query$/);
  });
});

describe('in operationName and extensions', () => {
  const query = `mutation Update { updateDataset(id: "${draft}", input: { title: "Đổi tên" }) { id } }`;
  it.each([
    ['a lone surrogate', 'Update\ud800'],
    ['NUL', 'Update\u0000'],
  ])('refuses %s in operationName', async (_name, operationName) => {
    await expectRefusedAndNothingWritten(await post({ query, operationName }), /^operationName$/);
  });

  it('refuses one in extensions', async () => {
    await expectRefusedAndNothingWritten(await post({ query, operationName: 'Update', extensions: { note: LONE_LOW } }), /^extensions\.note$/);
  });
});

describe('well-formed text', () => {
  it('passes: Vietnamese, and characters outside the BMP as surrogate pairs', async () => {
    const result = await publisher.updateDataset({ id: draft, input: { title: 'Chợ 🏪 Bến Thành 𠀋' } });
    expect(result.errors).toBeUndefined();
    expect(result.data?.updateDataset.title).toBe('Chợ 🏪 Bến Thành 𠀋');
  });
});
