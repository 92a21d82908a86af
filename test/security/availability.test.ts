import { request as httpRequest } from 'node:http';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, dataOf, startTestGateway, type Actor, type TestGateway } from '../kit.js';
import { operations } from '../kit/operations.js';
import { like, officerOfCongAn } from '../kit/personas.js';
import { PEOPLE_SCHEMA } from '../sample-rows.js';
import { PG_URL } from '../sources.js';

/**
 * Attack class 8: availability. One client's bad values, hang-ups and stalled exports must not
 * open a source's circuit breaker for everyone, leave the source busy, or pile up memory.
 */
const schema = `t_${randomUUID().slice(0, 8)}`;
const ROWS = 200_000;
let admin: pg.Client;
let gw: TestGateway;
let reader: Actor;
const dataset = 'cong-an.people';

beforeAll(async () => {
  admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.query(`CREATE TABLE ${schema}.people AS SELECT lpad(i::text, 12, '0') AS "citizenId", 'Nguyễn Văn ' || i AS "fullName", 'Quận ' || (i % 12) AS "district",
    1940 + i % 60 AS "birthYear", DATE '1940-01-01' + (i % 20000) AS "birthDate", (i % 1000)::numeric AS "income", i % 2 = 0 AS "active", NULL::text AS "note" FROM generate_series(1, ${ROWS}) i`);
  await admin.query(`ALTER TABLE ${schema}.people ADD PRIMARY KEY ("citizenId")`);
  // Open-ended terms: 'infinity' has no date-time form in the record schema.
  await admin.query(`CREATE TABLE ${schema}.terms (k integer PRIMARY KEY, "validTo" timestamp NOT NULL, ref uuid NOT NULL DEFAULT gen_random_uuid())`);
  await admin.query(`INSERT INTO ${schema}.terms SELECT g, CASE WHEN g = 7 THEN 'infinity'::timestamp ELSE TIMESTAMP '2030-01-01' + g * INTERVAL '1 day' END FROM generate_series(1, 20) g`);
  const credentials = { 'test-pg': { type: 'postgres', url: PG_URL, departments: ['cong-an'], reach: { tables: [`${schema}.people`, `${schema}.terms`] } } };
  gw = await startTestGateway({
    env: { SOURCE_CREDENTIALS: JSON.stringify(credentials), SOURCE_BREAKER_THRESHOLD: '3', SOURCE_BREAKER_HALF_OPEN_MS: '60000', EXPORT_MAX_PER_CALLER: '2', EXPORT_IDLE_TIMEOUT_MS: '800' },
  });
  reader = gw.as(like(officerOfCongAn, { roles: ['analyst', 'publisher'] }));
  await gw.publishDataset(reader.token, {
    slug: 'people',
    title: 'Dân cư',
    description: 'Thử.',
    classification: 'RESTRICTED',
    recordSchema: PEOPLE_SCHEMA,
    connector: { type: 'postgres', options: { schema, table: 'people', credentials: 'test-pg', keyField: 'citizenId' } },
  });
  await gw.publishDataset(reader.token, {
    slug: 'terms',
    title: 'Thời hạn',
    description: 'Thử.',
    classification: 'INTERNAL',
    recordSchema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', required: ['k', 'validTo'], properties: { k: { type: 'integer' }, validTo: { type: 'string', format: 'date-time' }, ref: { type: 'string' } } },
    connector: { type: 'postgres', options: { schema, table: 'terms', credentials: 'test-pg', keyField: 'k' } },
  });
});

afterAll(async () => {
  await gw?.close();
  await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin?.end();
});

/** A read by someone else of the owning department: what one client did must not show in it. */
const healthyRead = async () => {
  const colleague = gw.as(like(officerOfCongAn, { id: 'colleague', roles: ['analyst'] }));
  expect(dataOf(await colleague.records({ dataset, first: 2 })).records.edges).toHaveLength(2);
};

describe('one client cannot degrade a source for others', () => {
  it('values the source would refuse never open the breaker', async () => {
    const hostile = [
      { birthDate: { eq: '2024-02-30' } },
      { birthDate: { gt: '2024-13-01' } },
      { fullName: { eq: 'a\u0000b' } },
      { birthYear: { eq: 3_000_000_000 } },
      { birthYear: { in: [1, 3_000_000_000] } },
    ];
    for (let round = 0; round < 2; round++) {
      for (const where of hostile) {
        const result = await reader.records({ dataset, where, first: 1 });
        expect(codeOf(result), JSON.stringify(where)).toBe('BAD_USER_INPUT');
      }
    }
    await healthyRead();
  });

  it('a value the source holds but cannot be read fails the reads that reach it, names its field, and never opens the breaker', async () => {
    const terms = 'cong-an.terms';
    const errorOf = async (response: Response) => ((await response.json()) as { errors: { message: string; extensions: { code: string } }[] }).errors[0]!;
    // More reads than the breaker's threshold (3), by both paths.
    for (let round = 0; round < 3; round++) {
      const result = await reader.records({ dataset: terms, first: 20 });
      expect(codeOf(result)).toBe('SOURCE_UNAVAILABLE');
      expect(result.errors?.[0]?.message).toContain('validTo');
      for (const format of ['ndjson', 'csv']) {
        const exported = await fetch(`${gw.base}/export/${terms}.${format}`, { headers: { authorization: `Bearer ${reader.token}` } });
        expect(exported.status).toBe(503);
        const error = await errorOf(exported);
        expect(error.extensions.code).toBe('SOURCE_UNAVAILABLE');
        expect(error.message).toContain('validTo');
        expect(error.message).not.toContain('infinity');
      }
    }
    // The typed field reads only what its query selects.
    const typed = (fields: string) => reader.gql<{ data: { cong_an_terms: { edges: unknown[] } } }>(`{ data { cong_an_terms(first: 20) { edges { node { ${fields} } } } } }`);
    expect(dataOf(await typed('k ref')).data.cong_an_terms.edges).toHaveLength(20);
    expect(codeOf(await typed('k validTo'))).toBe('SOURCE_UNAVAILABLE');
    // The source answered all along: rows short of the unreadable one are read, by anyone.
    const colleague = gw.as(like(officerOfCongAn, { id: 'colleague', roles: ['analyst'] }));
    expect(dataOf(await colleague.records({ dataset: terms, first: 5 })).records.edges).toHaveLength(5);
    const rest = await fetch(`${gw.base}/export/${terms}.ndjson?where=${encodeURIComponent('{"k":{"gt":7}}')}`, { headers: { authorization: `Bearer ${colleague.token}` } });
    expect(rest.status).toBe(200);
    expect((await rest.text()).trim().split('\n')).toHaveLength(13);
    await healthyRead();
  });

  it('a filter whose statement the source refuses (text comparison on a uuid column) fails that read alone, never opening the breaker', async () => {
    for (let round = 0; round < 5; round++) {
      const result = await reader.records({ dataset: 'cong-an.terms', where: { ref: { eq: '00000000-0000-0000-0000-000000000000' } }, first: 1 });
      expect(codeOf(result)).toBe('SOURCE_UNAVAILABLE');
      expect(result.errors?.[0]?.message).toContain('record schema');
    }
    const colleague = gw.as(like(officerOfCongAn, { id: 'colleague', roles: ['analyst'] }));
    expect(dataOf(await colleague.records({ dataset: 'cong-an.terms', first: 3 })).records.edges).toHaveLength(3);
  });

  it('fifty clients hanging up mid-request leave the source healthy', async () => {
    const body = JSON.stringify({ query: operations.records.document, variables: { dataset, first: 1000, where: { fullName: { contains: '9' } } } });
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 5 + (i % 20));
        await fetch(`${gw.base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${reader.token}` }, body, signal: controller.signal }).then(
          (r) => r.text(),
          () => undefined,
        );
      }),
    );
    await healthyRead();
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Nothing of theirs is still running on the source.
    const running = await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%${schema}%' AND pid <> pg_backend_pid()`);
    expect(running.rows[0].n).toBe(0);
  });

  it('caps exports per caller and cuts a reader that stops reading', async () => {
    // Two exports whose client reads nothing: the server fills the socket, then waits.
    const started: Promise<void>[] = [];
    const stalled = Array.from({ length: 2 }, () => {
      let answered!: () => void;
      started.push(new Promise((resolve) => (answered = resolve)));
      const req = httpRequest(`${gw.base}/export/cong-an.people.ndjson`, { headers: { authorization: `Bearer ${reader.token}` } }, (res) => {
        res.pause();
        answered();
      });
      req.on('error', () => undefined);
      req.end();
      return req;
    });
    // Both have their answer started, so both hold their export slot.
    await Promise.all(started);
    const third = await fetch(`${gw.base}/export/cong-an.people.ndjson`, { headers: { authorization: `Bearer ${reader.token}` } });
    expect(third.status).toBe(429);
    expect(((await third.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('QUOTA_EXCEEDED');
    // Another caller is not affected by this one's exports.
    const other = gw.as(like(officerOfCongAn, { id: 'other' }));
    const theirs = await fetch(`${gw.base}/export/cong-an.people.ndjson?where=${encodeURIComponent('{"district":{"eq":"Quận 1"}}')}`, { headers: { authorization: `Bearer ${other.token}` } });
    expect(theirs.status).toBe(200);
    expect((await theirs.text()).trim().split('\n').length).toBe(Math.floor((ROWS - 1) / 12) + 1);
    // The stalled ones are cut by the server after the idle timeout, and their slots come back
    // while their clients still hold the connections open.
    let after = 429;
    for (let i = 0; i < 50 && after === 429; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const response = await fetch(`${gw.base}/export/cong-an.people.ndjson?select=["citizenId"]&where=${encodeURIComponent('{"birthYear":{"eq":1941}}')}`, { headers: { authorization: `Bearer ${reader.token}` } });
      after = response.status;
      await response.text();
    }
    expect(after).toBe(200);
    for (const req of stalled) req.destroy();
    await healthyRead();
  });
});
