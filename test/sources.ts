import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import mysql from 'mysql2/promise';
import { inject } from 'vitest';
import pg from 'pg';
import type { PersonRow } from './sample-rows.js';
import { startTcpProxy } from './tcp-proxy.js';
import { startEmbeddedPostgres } from '../datasets/embedded-postgres.js';
import { startPagedJsonServer } from '../datasets/paged-json-server.js';

export const PG_URL = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MYSQL_URL = process.env['TEST_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/test';

/** A credential registry entry as SOURCE_CREDENTIALS takes it. */
export type CredentialEntry = { type: string; url?: string; folder?: string; departments: string[]; reach: { tables?: string[]; collections?: string[]; pathPrefix?: string } };

/** One test source holding the people rows, as a department's system would. */
export interface TestSource {
  connector: { type: string; options: Record<string, unknown> };
  /** Registry entries for SOURCE_CREDENTIALS: only the test table, for the departments given. */
  credentials: Record<string, CredentialEntry>;
  /** Rows in the source now, read directly, to prove a request changed nothing. */
  count(): Promise<number>;
  /** Makes reads hang until the returned function is called. */
  hang(): Promise<() => Promise<void>>;
  drop(): Promise<void>;
}

/** A connection string for `account` on the server `url` names, with the same database. */
function urlAs(url: string, account: { user: string; password: string }): string {
  const u = new URL(url);
  u.username = account.user;
  u.password = account.password;
  return u.toString();
}

/** A read-only account of its own per test source, as a department hands the platform (least privilege). */
function readerAccount(): { user: string; password: string } {
  return { user: `reader_${randomUUID().slice(0, 8)}`, password: randomUUID().replace(/-/g, '') };
}

export async function postgresSource(rows: PersonRow[], url = PG_URL, departments = ['cong-an']): Promise<TestSource> {
  const schema = `t_${randomUUID().slice(0, 8)}`;
  const reader = readerAccount();
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.query(`CREATE TABLE ${schema}.people ("citizenId" text PRIMARY KEY, "fullName" text NOT NULL, "district" text NOT NULL,
    "birthYear" integer NOT NULL, "birthDate" date NOT NULL, "income" numeric, "active" boolean NOT NULL, "note" text)`);
  for (const r of rows) {
    await admin.query(`INSERT INTO ${schema}.people VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, [r.citizenId, r.fullName, r.district, r.birthYear, r.birthDate, r.income, r.active, r.note]);
  }
  await admin.query(`CREATE ROLE ${reader.user} LOGIN PASSWORD '${reader.password}'`);
  await admin.query(`GRANT USAGE ON SCHEMA ${schema} TO ${reader.user}`);
  await admin.query(`GRANT SELECT ON ${schema}.people TO ${reader.user}`);
  return {
    connector: { type: 'postgres', options: { schema, table: 'people', credentials: 'test-pg', keyField: 'citizenId' } },
    credentials: { 'test-pg': { type: 'postgres', url: urlAs(url, reader), departments, reach: { tables: [`${schema}.people`] } } },
    count: async () => (await admin.query(`SELECT count(*)::int AS n FROM ${schema}.people`)).rows[0].n,
    async hang() {
      const locker = new pg.Client({ connectionString: url });
      await locker.connect();
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE ${schema}.people IN ACCESS EXCLUSIVE MODE`);
      return async () => {
        await locker.query('ROLLBACK');
        await locker.end();
      };
    },
    async drop() {
      // Sessions a test left open would keep the role from being dropped cleanly.
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [reader.user]).catch(() => undefined);
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.query(`DROP ROLE IF EXISTS ${reader.user}`);
      await admin.end();
    },
  };
}

export async function mysqlSource(rows: PersonRow[], departments = ['cong-an']): Promise<TestSource> {
  const table = `people_${randomUUID().slice(0, 8)}`;
  const database = new URL(MYSQL_URL).pathname.slice(1);
  const reader = readerAccount();
  const admin = await mysql.createConnection({ uri: MYSQL_URL, dateStrings: true });
  await admin.query(`CREATE TABLE \`${table}\` (\`citizenId\` VARCHAR(20) PRIMARY KEY, \`fullName\` VARCHAR(200) NOT NULL, \`district\` VARCHAR(100) NOT NULL,
    \`birthYear\` INT NOT NULL, \`birthDate\` DATE NOT NULL, \`income\` DECIMAL(14,2), \`active\` TINYINT(1) NOT NULL, \`note\` VARCHAR(200))
    CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.query(`INSERT INTO \`${table}\` VALUES ?`, [rows.map((r) => [r.citizenId, r.fullName, r.district, r.birthYear, r.birthDate, r.income, r.active, r.note])]);
  // Both hosts: a TCP connection from 127.0.0.1 may be taken for 'localhost', which an anonymous account could otherwise match first.
  for (const host of ['%', 'localhost']) {
    await admin.query('CREATE USER ?@? IDENTIFIED BY ?', [reader.user, host, reader.password]);
    await admin.query(`GRANT SELECT ON \`${database}\`.\`${table}\` TO ?@?`, [reader.user, host]);
  }
  return {
    connector: { type: 'mysql', options: { table, credentials: 'test-mysql', keyField: 'citizenId' } },
    credentials: { 'test-mysql': { type: 'mysql', url: urlAs(MYSQL_URL, reader), departments, reach: { tables: [`${database}.${table}`] } } },
    count: async () => ((await admin.query(`SELECT count(*) AS n FROM \`${table}\``))[0] as { n: number }[])[0]!.n,
    async hang() {
      const locker = await mysql.createConnection({ uri: MYSQL_URL });
      await locker.query(`LOCK TABLES \`${table}\` WRITE`);
      return async () => {
        await locker.query('UNLOCK TABLES');
        await locker.end();
      };
    },
    async drop() {
      // Sessions a test left open would outlive the account.
      const [left] = await admin.query('SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ?', [reader.user]);
      for (const { id } of left as { id: number }[]) await admin.query('KILL ?', [id]).catch(() => undefined);
      await admin.query(`DROP TABLE IF EXISTS \`${table}\``);
      await admin.query('DROP USER IF EXISTS ?@?, ?@?', [reader.user, '%', reader.user, 'localhost']);
      await admin.end();
    },
  };
}

/** A department's own MongoDB database (separate from the catalogue's), reached through a relay that can hang. */
export async function mongodbSource(rows: PersonRow[], departments = ['cong-an']): Promise<TestSource> {
  const uri = inject('mongoUri');
  const database = `src_${randomUUID().slice(0, 8)}`;
  const client = new MongoClient(uri);
  await client.connect();
  const collection = client.db(database).collection('people');
  await collection.insertMany(rows.map((r) => ({ ...r })));
  await collection.createIndex({ citizenId: 1 }, { unique: true });
  const target = new URL(uri.replace(/^mongodb:/, 'http:'));
  const proxy = await startTcpProxy(target.hostname, Number(target.port));
  return {
    connector: { type: 'mongodb', options: { database, collection: 'people', credentials: 'test-mongo', keyField: 'citizenId' } },
    credentials: { 'test-mongo': { type: 'mongodb', url: `mongodb://127.0.0.1:${proxy.port}/?directConnection=true`, departments, reach: { collections: [`${database}.people`] } } },
    count: () => collection.countDocuments(),
    async hang() {
      proxy.pause();
      return async () => proxy.resume();
    },
    async drop() {
      await proxy.close();
      await client.db(database).dropDatabase();
      await client.close();
    },
  };
}

/** A CSV file in a source files folder of its own. */
export async function csvSource(rows: PersonRow[], departments = ['cong-an']): Promise<TestSource & { filesDir: string }> {
  const { mkdtemp, readFile, rm, writeFile, rename } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { stringify } = await import('csv-stringify/sync');
  const filesDir = await mkdtemp(join(tmpdir(), 'csv-source-'));
  const columns = Object.keys(rows[0]!);
  const text = stringify(rows.map((r) => columns.map((c) => (r as unknown as Record<string, unknown>)[c] ?? '')), { header: true, columns, cast: { boolean: (v) => String(v) } });
  await writeFile(join(filesDir, 'people.csv'), text);
  return {
    filesDir,
    connector: { type: 'csv', options: { file: 'people.csv', credentials: 'test-csv', keyField: 'citizenId' } },
    credentials: { 'test-csv': { type: 'csv', folder: filesDir, departments, reach: {} } },
    count: async () => (await readFile(join(filesDir, 'people.csv'), 'utf8')).trim().split('\n').length - 1,
    async hang() {
      // A named pipe with no writer: opening it blocks, as a stalled network file system would.
      const { execFileSync } = await import('node:child_process');
      await rename(join(filesDir, 'people.csv'), join(filesDir, 'people.csv.bak'));
      execFileSync('mkfifo', [join(filesDir, 'people.csv')]);
      return async () => {
        // Opening the writing end releases the reader blocked in open(), which would otherwise hold a libuv thread.
        const { open } = await import('node:fs/promises');
        await (await open(join(filesDir, 'people.csv'), 'w')).close();
        await rm(join(filesDir, 'people.csv'));
        await rename(join(filesDir, 'people.csv.bak'), join(filesDir, 'people.csv'));
      };
    },
    async drop() {
      await rm(filesDir, { recursive: true, force: true });
    },
  };
}

/** A paginated JSON API serving the rows, reached through a relay that can hang. */
export async function httpJsonSource(rows: PersonRow[], departments = ['cong-an']): Promise<TestSource> {
  const api = await startPagedJsonServer({ '/people': rows as unknown as Record<string, unknown>[] });
  const target = new URL(api.url);
  const proxy = await startTcpProxy(target.hostname, Number(target.port));
  return {
    connector: { type: 'http-json', options: { credentials: 'test-api', path: '/people', pageSize: 70, keyField: 'citizenId' } },
    credentials: { 'test-api': { type: 'http-json', url: `http://127.0.0.1:${proxy.port}`, departments, reach: { pathPrefix: '/people' } } },
    count: async () => rows.length,
    async hang() {
      proxy.pause();
      return async () => proxy.resume();
    },
    async drop() {
      await proxy.close();
      await api.close();
    },
  };
}

/** The embedded PostgreSQL (PGlite) that `npm start` falls back to, behind the same connector. */
export async function pgliteSource(rows: PersonRow[], departments = ['cong-an']): Promise<TestSource> {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'pglite-'));
  const embedded = await startEmbeddedPostgres(dir);
  const source = await postgresSource(rows, embedded.url, departments);
  return {
    ...source,
    async drop() {
      await source.drop();
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
