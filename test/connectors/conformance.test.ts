import { circuitBreaker, ConsecutiveBreaker, handleAll } from 'cockatiel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supportsPredicate } from '../../connectors/capabilities.js';
import type { Connector, ConnectorCapabilities, ConnectorQuery, Row, SortKey } from '../../connectors/contract.js';
import { NotSupported } from '../../connectors/errors.js';
import { COMPARISON_OPERATORS, parseWhere, type ComparisonOperator } from '../../connectors/filter.js';
import { checkBinding } from '../../connectors/registry.js';
import { seeded } from '../../datasets/generators.js';
import { fieldsOf, type RecordSchema } from '../../server/catalogue/record-schema.js';
import { createLogger } from '../../server/logger.js';
import { driftIssues } from '../../server/data/schema-drift.js';
import { querySource } from '../../server/data/source-query.js';
import { generatedFilters, PEOPLE_SCHEMA, peopleRows, type PersonRow } from '../sample-rows.js';
import { csvSource, httpJsonSource, mongodbSource, mysqlSource, postgresSource, type TestSource } from '../sources.js';
import { FakeConnector } from './fake-connector.js';
import { startOracle, type Oracle } from './oracle.js';

/**
 * The connector-level conformance kit: each connector driven directly, through the contract
 * alone (no gateway, no engine), with cases generated from the capabilities it declares, and its
 * answers compared with the independent oracle (PostgreSQL over the same rows). What it does not
 * declare it must answer with NotSupported. The fake connector, which declares only `eq` and
 * `and`, then shows through the read engine that undeclared operators are never sent to a
 * connector and the answers still agree.
 */
const rows = peopleRows(300);
const fields = fieldsOf(PEOPLE_SCHEMA as unknown as RecordSchema);
const allFields = fields.map((f) => f.name);
const KEY = 'citizenId';
const byKey: SortKey[] = [{ field: KEY, direction: 'ASC' }];

let oracle: Oracle;
beforeAll(async () => {
  oracle = await startOracle(rows);
});
afterAll(async () => {
  await oracle?.close();
});

/** A connector made from a test source's binding as the registry makes one: options checked, credential and reach checked. */
function connectTo(source: TestSource): Connector {
  const registry = Object.fromEntries(Object.entries(source.credentials).map(([name, entry]) => [name, { name, ...entry, owner: entry.departments[0]! }]));
  const verdict = checkBinding(source.connector, 'cong-an', registry, { catalogueDatabase: 'kho' });
  if (!verdict.connect) throw new Error(`binding refused: ${JSON.stringify(verdict.faults)}`);
  return verdict.connect({ fields, keyField: KEY, timeoutMs: 10_000, maxResponseBytes: 16 * 1024 * 1024 });
}

async function collect(connector: Connector, request: Partial<ConnectorQuery>): Promise<Row[]> {
  const out: Row[] = [];
  for await (const row of await connector.query({ fields: allFields, where: null, orderBy: [], after: null, limit: null, signal: AbortSignal.timeout(10_000), ...request })) out.push(row);
  return out;
}

/** A value of `field` some row holds (not null). */
function valuePicker(seed: number) {
  const r = seeded(seed);
  return (field: keyof PersonRow): unknown => {
    for (;;) {
      const value = rows[Math.floor(r() * rows.length)]![field];
      if (value !== null) return value;
    }
  };
}

/** One comparison per declared operator and field it applies to, with values from the rows. */
function comparisons(operators: readonly ComparisonOperator[], seed = 11): Record<string, unknown>[] {
  const pick = valuePicker(seed);
  const cases: Record<string, unknown>[] = [];
  for (const op of operators) {
    for (const field of fields) {
      const name = field.name as keyof PersonRow;
      if (op === 'isNull') cases.push({ [name]: { isNull: true } }, { [name]: { isNull: false } });
      else if (op === 'in' || op === 'nin') cases.push({ [name]: { [op]: [pick(name), pick(name), pick(name)] } });
      else if (op === 'contains' || op === 'startsWith') {
        if (field.type !== 'string') continue;
        const text = String(pick(name));
        cases.push({ [name]: { [op]: op === 'contains' ? text.slice(2, 5) : text.slice(0, 4) } });
      } else cases.push({ [name]: { [op]: pick(name) } });
    }
  }
  return cases;
}

/** Filters in the API's form that use only what `capabilities` declares. */
function casesFor(capabilities: ConnectorCapabilities): Record<string, unknown>[] {
  const filter = capabilities.filter;
  if (!filter) return [];
  const leaves = comparisons(filter.operators);
  const combined: Record<string, unknown>[] = [];
  leaves.forEach((leaf, i) => {
    const other = leaves[(i * 7 + 3) % leaves.length]!;
    if (filter.and) combined.push({ and: [leaf, other] });
    if (filter.or) combined.push({ or: [leaf, other] });
    if (filter.not) combined.push({ not: leaf });
    if (filter.and && filter.or && filter.not) combined.push({ and: [{ or: [leaf, other] }, { not: leaves[(i * 5 + 1) % leaves.length]! }] });
  });
  return [...leaves, ...combined, ...generatedFilters(peopleRows(300))].filter((where) => supportsPredicate(capabilities, parseWhere(where, fields)!));
}

/** Requests beyond `capabilities`: each must be answered NotSupported. */
function unsupportedRequestsFor(capabilities: ConnectorCapabilities): [string, Partial<ConnectorQuery>][] {
  const filter = capabilities.filter;
  const requests: [string, Partial<ConnectorQuery>][] = [['a cursor without an order', { after: ['x'], limit: 1 }]];
  const leaf = (op: ComparisonOperator) => parseWhere(comparisons([op], 5)[0], fields);
  for (const op of COMPARISON_OPERATORS) if (!filter?.operators.includes(op)) requests.push([`operator ${op}`, { where: leaf(op) }]);
  const eq = leaf('eq')!;
  if (!filter?.and) requests.push(['and', { where: { kind: 'and', items: [eq, eq] } }]);
  if (!filter?.or) requests.push(['or', { where: { kind: 'or', items: [eq, eq] } }]);
  if (!filter?.not) requests.push(['not', { where: { kind: 'not', item: eq } }]);
  if (!capabilities.orderBy) requests.push(['orderBy', { orderBy: byKey }]);
  if (!capabilities.pagination) requests.push(['limit', { orderBy: capabilities.orderBy ? byKey : [], limit: 5 }]);
  return requests;
}

const subjects: [string, () => Promise<{ connector: Connector; drop(): Promise<void> }>][] = [
  ...([
    ['postgres', postgresSource],
    ['mysql', mysqlSource],
    ['mongodb', mongodbSource],
    ['csv', csvSource],
    ['http-json', httpJsonSource],
  ] as const).map(([name, make]): (typeof subjects)[number] => [
    name,
    async () => {
      const source = await make(rows);
      return { connector: connectTo(source), drop: () => source.drop() };
    },
  ]),
  ['fake (eq and and only)', async () => ({ connector: new FakeConnector(rows as unknown as Row[]), drop: async () => undefined })],
];

describe.each(subjects)('%s connector, driven directly', (_name, open) => {
  let subject: { connector: Connector; drop(): Promise<void> };
  let capabilities: ConnectorCapabilities;

  beforeAll(async () => {
    subject = await open();
    capabilities = subject.connector.capabilities;
  });
  afterAll(async () => {
    await subject?.connector.close();
    await subject?.drop();
  });

  it('answers every filter its capabilities allow exactly as the oracle', async () => {
    const cases = casesFor(capabilities);
    if (capabilities.filter) expect(cases.length).toBeGreaterThanOrEqual(capabilities.filter.operators.length * 2);
    let selective = 0;
    for (const where of [null, ...cases]) {
      const answer = await collect(subject.connector, {
        where: where && parseWhere(where, fields),
        fields: capabilities.projection ? [KEY] : allFields,
        orderBy: capabilities.orderBy ? byKey : [],
      });
      const keys = answer.map((r) => String(r[KEY]));
      const expected = await oracle.matching(where);
      expect(capabilities.orderBy ? keys : keys.sort(), JSON.stringify(where)).toEqual(expected);
      if (expected.length > 0 && expected.length < rows.length) selective++;
    }
    if (capabilities.filter) expect(selective).toBeGreaterThanOrEqual(cases.length / 2);
  });

  it('returns every row typed as the record schema says', async () => {
    const answer = await collect(subject.connector, {});
    const got = new Map(answer.map((r) => [r[KEY], Object.fromEntries(allFields.map((f) => [f, r[f]]))]));
    expect(got.size).toBe(rows.length);
    for (const row of rows) expect(got.get(row.citizenId), row.citizenId).toEqual(row);
  });

  it('describes its source so that the record schema serves it, without drift', async () => {
    const described = await subject.connector.describe(AbortSignal.timeout(10_000));
    expect(described.map((f) => f.name).sort()).toEqual([...allFields].sort());
    expect(driftIssues(fields, described)).toEqual([]);
  });

  it('pages with its declared order and pagination exactly as the oracle', async (context) => {
    if (!capabilities.orderBy || !capabilities.pagination) return context.skip();
    const where = casesFor(capabilities).find((w) => 'birthYear' in w) ?? null;
    const orderings: SortKey[][] = [byKey, [{ field: 'district', direction: 'DESC' }, ...byKey], [{ field: 'birthYear', direction: 'ASC' }, { field: 'fullName', direction: 'DESC' }, ...byKey]];
    for (const orderBy of orderings) {
      const seen: string[] = [];
      let after: unknown[] | null = null;
      for (let guard = 0; guard < 100; guard++) {
        const page: Row[] = await collect(subject.connector, { where: where && parseWhere(where, fields), fields: [...new Set([...orderBy.map((k) => k.field), KEY])], orderBy, after, limit: 13 });
        expect(page.length).toBeLessThanOrEqual(13);
        seen.push(...page.map((r) => String(r[KEY])));
        if (page.length < 13) break;
        const last: Row = page.at(-1)!;
        after = orderBy.map((k) => last[k.field]);
      }
      expect(seen, JSON.stringify(orderBy)).toEqual(await oracle.ordered(where, orderBy));
    }
  });

  it('answers NotSupported for every request beyond its declaration', async () => {
    for (const [what, request] of unsupportedRequestsFor(capabilities)) {
      await expect(collect(subject.connector, request), what).rejects.toBeInstanceOf(NotSupported);
    }
  });
});

describe('a connector that declares only eq and and, through the read engine', () => {
  const fake = new FakeConnector(rows as unknown as Row[]);
  const dataset = { id: 'cong-an.fake-people', fields };
  const pooled = {
    connector: fake,
    breaker: circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) }),
    source: { name: 'fake', type: 'fake', departments: ['cong-an'], owner: 'cong-an', reach: {} },
  };
  const logger = createLogger('silent');
  const read = (where: Record<string, unknown> | null, orderBy: SortKey[], after: unknown[] | null, limit: number) =>
    querySource(pooled, dataset, { where: where && parseWhere(where, fields), orderBy, after, limit, fields: [KEY] }, AbortSignal.timeout(10_000), { timeoutMs: 10_000, halfOpenAfterMs: 10_000 }, logger, (work) => work());

  it('answers every generated filter as the oracle, and is sent only what it declares', async () => {
    const filters = generatedFilters(rows);
    for (const where of filters) {
      const answer = await read(where, byKey, null, 1000);
      expect(answer.map((r) => r[KEY]), JSON.stringify(where)).toEqual(await oracle.matching(where));
    }
    expect(fake.received.length).toBe(filters.length);
    for (const request of fake.received) {
      if (request.where) expect(supportsPredicate(fake.capabilities, request.where), JSON.stringify(request.where)).toBe(true);
      expect(request.orderBy).toEqual([]);
      expect(request.after).toBeNull();
      expect(request.limit).toBeNull();
    }
    // Parts were pushed, down to single conjuncts of filters that also use what it cannot do.
    const pushed = fake.received.filter((r) => r.where !== null);
    expect(pushed.length).toBeGreaterThanOrEqual(5);
    const partly = filters.filter((w, i) => fake.received[i]!.where !== null && !supportsPredicate(fake.capabilities, parseWhere(w, fields)!));
    expect(partly.length).toBeGreaterThanOrEqual(1);
  });

  it('pages in-process, since it cannot page, exactly as the oracle', async () => {
    const where = { and: [{ active: { eq: true } }, { birthYear: { gte: 1960 } }] };
    const orderBy: SortKey[] = [{ field: 'district', direction: 'DESC' }, ...byKey];
    const whole = await oracle.ordered(where, orderBy);
    const cursorRow = rows.find((r) => r.citizenId === whole[20])!;
    const page = await read(where, orderBy, [cursorRow.district, cursorRow.citizenId], 15);
    expect(page.map((r) => r[KEY])).toEqual(whole.slice(21, 36));
    expect(fake.received.at(-1)!.where).toEqual(parseWhere({ active: { eq: true } }, fields));
  });
});
