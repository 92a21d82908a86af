import { randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { officerOfCongAn } from './kit/personas.js';
import { withPublishedSource } from './kit/stories.js';
import { peopleRows } from './sample-rows.js';
import { MYSQL_URL, type TestSource } from './sources.js';

/**
 * A source whose typed sort values come back rounded (MySQL DECIMAL keys read as JS numbers):
 * every page ends on the same rounded key. Paged by that value, the next page started after
 * every row (the export ended early, looking whole) or at the same rows again, for ever. The
 * cursor holds the exact text instead.
 */
async function roundedKeys(_rows: unknown[], departments: string[]): Promise<TestSource> {
  const table = `rounded_${randomUUID().slice(0, 8)}`;
  const database = new URL(MYSQL_URL).pathname.slice(1);
  const user = `r_${randomUUID().slice(0, 8)}`;
  const password = randomUUID();
  const admin = await mysql.createConnection({ uri: MYSQL_URL });
  await admin.query(`CREATE TABLE \`${table}\` (\`k\` DECIMAL(30,25) PRIMARY KEY, \`v\` VARCHAR(20) NOT NULL)`);
  // 250 keys that differ only past the 17th digit: all read as 0.1.
  await admin.query(`INSERT INTO \`${table}\` VALUES ?`, [Array.from({ length: 250 }, (_, i) => [`0.1000000000000000000${String(i).padStart(3, '0')}`, `row ${i}`])]);
  for (const host of ['%', 'localhost']) {
    await admin.query('CREATE USER ?@? IDENTIFIED BY ?', [user, host, password]);
    await admin.query(`GRANT SELECT ON \`${database}\`.\`${table}\` TO ?@?`, [user, host]);
  }
  const url = new URL(MYSQL_URL);
  url.username = user;
  url.password = password;
  return {
    connector: { type: 'mysql', options: { table, credentials: 'rounded-db', keyField: 'k' } },
    credentials: { 'rounded-db': { type: 'mysql', url: url.toString(), departments, reach: { tables: [`${database}.${table}`] } } },
    count: async () => 250,
    hang: async () => async () => undefined,
    async drop() {
      await admin.query(`DROP TABLE IF EXISTS \`${table}\``);
      await admin.query('DROP USER IF EXISTS ?@?, ?@?', [user, '%', user, 'localhost']);
      await admin.end();
    },
  };
}

const rounded = withPublishedSource(peopleRows(1), 'INTERNAL', {
  source: roundedKeys,
  slug: 'rounded',
  recordSchema: { type: 'object', required: ['k', 'v'], properties: { k: { type: 'number' }, v: { type: 'string' } } },
  gateway: { env: { EXPORT_PAGE_ROWS: '100' } },
});

describe('export paging', () => {
  it('writes every row once when the typed values of the key are rounded', async () => {
    const owner = rounded.as(officerOfCongAn);
    const response = await fetch(`${rounded.gw.base}/export/${rounded.datasetId}.ndjson`, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(response.status).toBe(200);
    const rows = (await response.text()).trim().split('\n').map((line) => JSON.parse(line) as { k: number; v: string });
    expect(rows.map((r) => r.v)).toEqual(Array.from({ length: 250 }, (_, i) => `row ${i}`));
    expect(rows[0]!.k).toBe(0.1);
  });

  it('pages records exactly by the same keys through GraphQL', async () => {
    const owner = rounded.as(officerOfCongAn);
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const result = await owner.records({ dataset: rounded.datasetId, first: 100, after });
      const connection = result.data!.records;
      seen.push(...connection.edges.map((e) => String(e.node['v'])));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => `row ${i}`));
  });
});
