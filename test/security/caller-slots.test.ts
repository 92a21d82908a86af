import { circuitBreaker, ConsecutiveBreaker, handleAll } from 'cockatiel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector, ConnectorQuery, Row } from '../../connectors/contract.js';
import type { Principal } from '../../server/auth/principal.js';
import { CallerSlots } from '../../server/data/caller-slots.js';
import { querySource } from '../../server/data/source-query.js';
import { createLogger } from '../../server/logger.js';
import { codeOf, startTestGateway, type TestGateway } from '../kit.js';
import { PEOPLE_SCHEMA, peopleRows } from '../sample-rows.js';
import { mongodbSource, type TestSource } from '../sources.js';

/**
 * Attack class: abandoned queries piling up on a source. A source that does not stop on cancel
 * (a MongoDB-protocol server, say) keeps working on a query after its client hung up; one
 * caller's slots stay taken until the source has really finished, so hang-ups cannot stack
 * work on it, while other callers are not held back.
 */
const READ = 'query { records(dataset: "cong-an.people", first: 3) { edges { node } } }';
const alice: Principal = { id: 'alice', department: 'tai-chinh', roles: ['analyst'] };
const bob: Principal = { id: 'bob', department: 'tai-chinh', roles: ['analyst'] };

describe('caller slots', () => {
  it('hold a slot until the work ends, however early its caller gave up, and only for that caller', async () => {
    const slots = new CallerSlots({ running: 1, waiting: 1 });
    let finish!: () => void;
    const stuck = new Promise<void>((resolve) => (finish = resolve));
    const gaveUp = new AbortController();
    const first = slots.run(alice, () => stuck, gaveUp.signal);
    gaveUp.abort(new Error('client went away'));
    // A second waits; a third is refused; someone else runs at once.
    const waiting = new AbortController();
    let secondRan = false;
    const second = slots.run(alice, async () => void (secondRan = true), waiting.signal);
    await expect(slots.run(alice, async () => 'x', new AbortController().signal)).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
    await expect(slots.run(bob, async () => 'bob reads', new AbortController().signal)).resolves.toBe('bob reads');
    expect(secondRan).toBe(false);
    finish();
    await first;
    await second;
    expect(secondRan).toBe(true);
  });

  it('withdraw a waiting query whose client goes away, without running it', async () => {
    const slots = new CallerSlots({ running: 1, waiting: 4 });
    let finish!: () => void;
    const first = slots.run(alice, () => new Promise<void>((resolve) => (finish = resolve)), new AbortController().signal);
    const waiting = new AbortController();
    let ran = false;
    const second = slots.run(alice, async () => void (ran = true), waiting.signal);
    waiting.abort(new Error('client went away'));
    finish();
    await first;
    await expect(second).rejects.toThrow('client went away');
    expect(ran).toBe(false);
  });
});

/** A source that takes `ms` for every query, honouring cancel. */
function slowSource(ms: number): Connector {
  return {
    capabilities: { orderBy: true, pagination: true },
    describe: async () => [],
    async *query(request: ConnectorQuery): AsyncIterable<Row> {
      await new Promise((resolve, reject) => {
        const timer = setTimeout(resolve, ms);
        request.signal.addEventListener('abort', () => (clearTimeout(timer), reject(request.signal.reason)), { once: true });
      });
      yield { id: 'a' };
    },
    health: async () => ({ ok: true, latencyMs: 1 }),
    close: async () => {},
  };
}

describe('the source clock', () => {
  it('starts when the caller’s slot is granted: waiting behind one’s own queries is no source timeout', async () => {
    const slots = new CallerSlots({ running: 1, waiting: 8 });
    const pooled = {
      connector: slowSource(250),
      breaker: circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(3) }),
      source: { name: 'slow', type: 'slow', departments: ['cong-an'], owner: 'cong-an', reach: {} },
    };
    const dataset = { id: 'cong-an.slow', fields: [{ name: 'id', type: 'string' as const, nullable: false, required: true, pii: false }] };
    const read = () =>
      querySource(pooled, dataset, { where: null, orderBy: [{ field: 'id', direction: 'ASC' }], after: null, limit: 1, fields: ['id'] }, AbortSignal.timeout(20_000), { timeoutMs: 700, halfOpenAfterMs: 10_000 }, createLogger('silent'), (work, waiting) => slots.run(alice, work, waiting));
    // Six queries of 250 ms each, one at a time: the last waits about 1.25 s, far past the 700 ms a source may take.
    const answers = await Promise.all(Array.from({ length: 6 }, read));
    expect(answers.every((rows) => rows.length === 1)).toBe(true);
  });
});

describe('a caller hanging up on a source that keeps working', () => {
  let source: TestSource;
  let gw: TestGateway;

  beforeAll(async () => {
    source = await mongodbSource(peopleRows(30));
    gw = await startTestGateway({ env: { SOURCE_CREDENTIALS: JSON.stringify(source.credentials), SOURCE_TIMEOUT_MS: '700', SOURCE_MAX_QUERIES_PER_CALLER: '1', SOURCE_MAX_WAITING_PER_CALLER: '0', SOURCE_BREAKER_THRESHOLD: '50' } });
    await gw.publishDataset(gw.token('pub', 'cong-an', ['publisher']), { slug: 'people', title: 'Dân cư', description: 'Thử.', classification: 'INTERNAL', recordSchema: PEOPLE_SCHEMA, connector: source.connector });
  });

  afterAll(async () => {
    await gw?.close();
    await source?.drop();
  });

  it('cannot stack a second query on it while the first is still running there, and others still get through', async () => {
    const hostile = gw.token('mallory', 'tai-chinh', ['analyst']);
    const other = gw.token('an', 'y-te', ['analyst']);
    const resume = await source.hang();
    try {
      // The first read gives up at the source timeout; the source (behind the stalled relay) is still on it.
      expect(codeOf(await gw.gql(READ, {}, hostile))).toBe('SOURCE_UNAVAILABLE');
      expect(codeOf(await gw.gql(READ, {}, hostile))).toBe('QUOTA_EXCEEDED');
      // Someone else is not refused for it: their read reaches the (still stalled) source.
      expect(codeOf(await gw.gql(READ, {}, other))).toBe('SOURCE_UNAVAILABLE');
    } finally {
      await resume();
    }
    // Once the source has finished the abandoned work, the slot is free again.
    let result = await gw.gql<{ records: { edges: unknown[] } }>(READ, {}, hostile);
    for (let i = 0; i < 20 && codeOf(result) === 'QUOTA_EXCEEDED'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      result = await gw.gql(READ, {}, hostile);
    }
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    expect(result.data!.records.edges).toHaveLength(3);
  });
});
