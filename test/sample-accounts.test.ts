import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../datasets/embedded-postgres.js';
import { ensureMysqlReadAccounts, ensurePostgresReadAccounts, type MysqlReadAccount, type PostgresReadAccount } from '../datasets/sample-sources.js';
import { createLogger } from '../server/logger.js';
import { MYSQL_URL, PG_URL } from './sources.js';

/**
 * The sample set-up's source accounts, made with the same functions `npm start` uses but under
 * throw-away names, then used as the gateway would use them: they read their own table and
 * nothing else, and write nothing, whatever the session asks for.
 */
const logger = createLogger('silent');
const id = randomUUID().replace(/-/g, '').slice(0, 10);

function asUser(adminUrl: string, user: string, password: string): string {
  const url = new URL(adminUrl);
  url.username = user;
  url.password = password;
  return url.toString();
}

/** The SQLSTATE (PostgreSQL) or errno (MariaDB) a statement fails with; null when it succeeds. */
async function pgFailure(client: pg.Client, sql: string): Promise<string | null> {
  try {
    await client.query(sql);
    return null;
  } catch (error) {
    if (error instanceof pg.DatabaseError) return error.code ?? 'unknown';
    throw error;
  }
}
async function myFailure(connection: mysql.Connection, sql: string): Promise<number | null> {
  try {
    await connection.query(sql);
    return null;
  } catch (error) {
    if (error instanceof Error && 'errno' in error && typeof error.errno === 'number') return error.errno;
    throw error;
  }
}

describe('PostgreSQL read-only source account', () => {
  const schema = `acct_${id}`;
  const otherSchema = `acct_other_${id}`;
  const account: PostgresReadAccount = { role: `kho_test_${id}_doc`, password: `pw_${id}`, schema, tables: ['own'] };
  const emptyAccount: PostgresReadAccount = { role: `kho_test_${id}_none`, password: `pw_${id}`, schema: `acct_empty_${id}`, tables: [] };
  let admin: pg.Client;
  let reader: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(`CREATE TABLE ${schema}.own (id int PRIMARY KEY, name text)`);
    await admin.query(`INSERT INTO ${schema}.own VALUES (1, 'a'), (2, 'b')`);
    await admin.query(`CREATE TABLE ${schema}.other (id int PRIMARY KEY, secret text)`);
    await admin.query(`CREATE SCHEMA ${otherSchema}`);
    await admin.query(`CREATE TABLE ${otherSchema}.elsewhere (id int PRIMARY KEY)`);
    // Two starts at once, as two gateway processes would: neither fails on the other's role.
    const results = await Promise.all([
      ensurePostgresReadAccounts(PG_URL, [account, emptyAccount], logger),
      ensurePostgresReadAccounts(PG_URL, [account, emptyAccount], logger),
    ]);
    expect(results).toEqual(['ready', 'ready']);
    reader = new pg.Client({ connectionString: asUser(PG_URL, account.role, account.password) });
    await reader.connect();
  });

  afterAll(async () => {
    await reader?.end().catch(() => undefined);
    for (const s of [schema, otherSchema, emptyAccount.schema]) await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    for (const a of [account, emptyAccount]) {
      const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [a.role]);
      if (exists.rowCount) {
        await admin.query(`DROP OWNED BY ${a.role}`);
        await admin.query(`DROP ROLE ${a.role}`);
      }
    }
    await admin.end();
  });

  it('is a plain login role, read-only by default, with a statement timeout', async () => {
    const { rows } = await admin.query('SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolinherit, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = $1', [account.role]);
    expect(rows).toEqual([{ rolcanlogin: true, rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolinherit: false, rolreplication: false, rolbypassrls: false }]);
    expect((await reader.query('SELECT current_user AS u')).rows[0].u).toBe(account.role);
    expect((await reader.query('SHOW default_transaction_read_only')).rows[0].default_transaction_read_only).toBe('on');
    expect((await reader.query('SHOW statement_timeout')).rows[0].statement_timeout).toBe('1min');
    const members = await admin.query('SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = $1', [account.role]);
    expect(members.rowCount).toBe(0);
  });

  it('reads its own table', async () => {
    expect((await reader.query(`SELECT id, name FROM ${schema}.own ORDER BY id`)).rows).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ]);
  });

  it('reads no other table, nor the password catalogue', async () => {
    expect(await pgFailure(reader, `SELECT * FROM ${schema}.other`)).toBe('42501');
    expect(await pgFailure(reader, `SELECT * FROM ${otherSchema}.elsewhere`)).toBe('42501');
    expect(await pgFailure(reader, 'SELECT rolpassword FROM pg_authid')).toBe('42501');
    expect(await pgFailure(reader, `SELECT * FROM ${emptyAccount.schema}.nothing`)).toBe('42501');
  });

  it('gives an account without tables its schema and nothing in it', async () => {
    const empty = new pg.Client({ connectionString: asUser(PG_URL, emptyAccount.role, emptyAccount.password) });
    await empty.connect();
    try {
      expect(await pgFailure(empty, `SELECT * FROM ${emptyAccount.schema}.nothing`)).toBe('42P01');
      expect(await pgFailure(empty, `SELECT * FROM ${schema}.own`)).toBe('42501');
    } finally {
      await empty.end();
    }
  });

  it('writes nothing, even after turning the read-only default off', async () => {
    expect(await pgFailure(reader, `INSERT INTO ${schema}.own VALUES (3, 'c')`)).toBe('25006');
    // The default is the account's own setting, which it may change: privileges are what hold.
    await reader.query('SET default_transaction_read_only = off');
    try {
      expect(await pgFailure(reader, `INSERT INTO ${schema}.own VALUES (3, 'c')`)).toBe('42501');
      expect(await pgFailure(reader, `UPDATE ${schema}.own SET name = 'x'`)).toBe('42501');
      expect(await pgFailure(reader, `DELETE FROM ${schema}.own`)).toBe('42501');
      expect(await pgFailure(reader, `TRUNCATE ${schema}.own`)).toBe('42501');
      expect(await pgFailure(reader, `CREATE TABLE ${schema}.planted (id int)`)).toBe('42501');
      expect(await pgFailure(reader, `ALTER TABLE ${schema}.own ADD COLUMN x int`)).toBe('42501');
      expect(await pgFailure(reader, `CREATE SCHEMA planted_${id}`)).toBe('42501');
      // Without the grant option PostgreSQL only warns that nothing was granted.
      await reader.query(`GRANT SELECT ON ${schema}.own TO PUBLIC`);
      expect((await admin.query(`SELECT has_table_privilege('public', '${schema}.own', 'SELECT') AS p`)).rows[0].p).toBe(false);
      // PUBLIC's CREATE on schema public is the server's default before PostgreSQL 15 (README).
      const version = Number((await reader.query('SHOW server_version_num')).rows[0].server_version_num);
      if (version >= 150000) expect(await pgFailure(reader, `CREATE TABLE public.planted_${id} (id int)`)).toBe('42501');
    } finally {
      await reader.query('RESET default_transaction_read_only');
    }
    expect((await admin.query(`SELECT count(*)::int AS n FROM ${schema}.own`)).rows[0].n).toBe(2);
  });

  it('keeps reading after its table is re-created and the set-up runs again', async () => {
    await admin.query(`DROP TABLE ${schema}.own`);
    await admin.query(`CREATE TABLE ${schema}.own (id int PRIMARY KEY, name text)`);
    await admin.query(`INSERT INTO ${schema}.own VALUES (7, 'g')`);
    expect(await pgFailure(reader, `SELECT * FROM ${schema}.own`)).toBe('42501');
    await ensurePostgresReadAccounts(PG_URL, [account], logger);
    expect((await reader.query(`SELECT id FROM ${schema}.own`)).rows).toEqual([{ id: 7 }]);
  });

  it('loses privileges granted by hand when the set-up runs again', async () => {
    await admin.query(`GRANT INSERT, SELECT ON ${schema}.other TO ${account.role}`);
    await admin.query(`GRANT CREATE ON SCHEMA ${schema} TO ${account.role}`);
    await admin.query(`ALTER ROLE ${account.role} CREATEDB`);
    await ensurePostgresReadAccounts(PG_URL, [account], logger);
    expect(await pgFailure(reader, `SELECT * FROM ${schema}.other`)).toBe('42501');
    const { rows } = await admin.query(
      `SELECT has_schema_privilege($1, $2, 'CREATE') AS create_in_schema, has_table_privilege($1, $3, 'INSERT') AS insert_other,
        (SELECT rolcreatedb FROM pg_roles WHERE rolname = $1) AS createdb`,
      [account.role, schema, `${schema}.other`],
    );
    expect(rows[0]).toEqual({ create_in_schema: false, insert_other: false, createdb: false });
  });

  it('refuses a name that is not a plain identifier', async () => {
    await expect(ensurePostgresReadAccounts(PG_URL, [{ ...account, role: 'x"; DROP ROLE postgres; --' }], logger)).rejects.toThrow(/not a plain SQL name/);
    await expect(ensurePostgresReadAccounts(PG_URL, [{ ...account, tables: ['Own'] }], logger)).rejects.toThrow(/not a plain SQL name/);
  });
});

describe('PostgreSQL read-only source account on embedded PGlite', () => {
  it('is skipped: PGlite has one user and no authentication', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pglite-accounts-'));
    const embedded = await startEmbeddedPostgres(dir);
    try {
      const role = `kho_test_${id}_pglite`;
      expect(await ensurePostgresReadAccounts(embedded.url, [{ role, password: role, schema: 'public', tables: [] }], logger)).toBe('embedded');
      const client = new pg.Client({ connectionString: embedded.url });
      await client.connect();
      expect((await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount).toBe(0);
      await client.end();
    } finally {
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('MariaDB read-only source account', () => {
  const database = new URL(MYSQL_URL).pathname.slice(1);
  const own = `acct_own_${id}`;
  const other = `acct_other_${id}`;
  const account: MysqlReadAccount = { user: `kho_test_${id}`, password: `pw_${id}`, tables: [own] };
  let admin: mysql.Connection;
  let reader: mysql.Connection;

  beforeAll(async () => {
    admin = await mysql.createConnection({ uri: MYSQL_URL });
    await admin.query(`CREATE TABLE ${own} (id INT PRIMARY KEY, name VARCHAR(20))`);
    await admin.query(`INSERT INTO ${own} VALUES (1, 'a'), (2, 'b')`);
    await admin.query(`CREATE TABLE ${other} (id INT PRIMARY KEY, secret VARCHAR(20))`);
    await Promise.all([ensureMysqlReadAccounts(MYSQL_URL, [account], logger), ensureMysqlReadAccounts(MYSQL_URL, [account], logger)]);
    reader = await mysql.createConnection({ uri: asUser(MYSQL_URL, account.user, account.password) });
  });

  afterAll(async () => {
    await reader?.end().catch(() => undefined);
    // Table grants outlive their tables here: dropping the user is what removes them.
    await admin.query('DROP USER IF EXISTS ?@?, ?@?', [account.user, '%', account.user, 'localhost']);
    await admin.query(`DROP TABLE IF EXISTS ${own}, ${other}`);
    await admin.end();
  });

  it('exists for both hosts and holds SELECT on its own table only', async () => {
    expect(((await reader.query('SELECT CURRENT_USER() AS u'))[0] as { u: string }[])[0]!.u).toBe(`${account.user}@%`);
    for (const host of ['%', 'localhost']) {
      const [grants] = await admin.query('SHOW GRANTS FOR ?@?', [account.user, host]);
      const lines = (grants as Record<string, string>[]).map((g) => Object.values(g)[0]!.replace(/ IDENTIFIED BY PASSWORD '[^']*'/, '').replace(/ WITH .*$/, ''));
      expect(lines.sort()).toEqual([`GRANT SELECT ON \`${database}\`.\`${own}\` TO \`${account.user}\`@\`${host}\``, `GRANT USAGE ON *.* TO \`${account.user}\`@\`${host}\``]);
    }
  });

  it('reads its own table', async () => {
    const [rows] = await reader.query(`SELECT id, name FROM ${own} ORDER BY id`);
    expect(rows).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ]);
  });

  it('reads no other table, nor the account catalogue', async () => {
    expect(await myFailure(reader, `SELECT * FROM ${other}`)).toBe(1142);
    expect(await myFailure(reader, 'SELECT * FROM mysql.user')).toBe(1142);
    expect(await myFailure(reader, 'SELECT * FROM mysql.global_priv')).toBe(1142);
  });

  it('writes nothing', async () => {
    expect(await myFailure(reader, `INSERT INTO ${own} VALUES (3, 'c')`)).toBe(1142);
    expect(await myFailure(reader, `UPDATE ${own} SET name = 'x'`)).toBe(1142);
    expect(await myFailure(reader, `DELETE FROM ${own}`)).toBe(1142);
    expect(await myFailure(reader, `CREATE TABLE planted_${id} (id INT)`)).toBe(1142);
    expect(await myFailure(reader, `DROP TABLE ${own}`)).toBe(1142);
    expect(await myFailure(reader, `GRANT SELECT ON ${other} TO CURRENT_USER`)).not.toBeNull();
    const [count] = await admin.query(`SELECT count(*) AS n FROM ${own}`);
    expect((count as { n: number }[])[0]!.n).toBe(2);
  });

  it('keeps reading after its table is re-created and the set-up runs again', async () => {
    await admin.query(`DROP TABLE ${own}`);
    await admin.query(`CREATE TABLE ${own} (id INT PRIMARY KEY, name VARCHAR(20))`);
    await admin.query(`INSERT INTO ${own} VALUES (7, 'g')`);
    await ensureMysqlReadAccounts(MYSQL_URL, [account], logger);
    const [rows] = await reader.query(`SELECT id FROM ${own}`);
    expect(rows).toEqual([{ id: 7 }]);
  });

  it('loses privileges granted by hand when the set-up runs again', async () => {
    await admin.query(`GRANT INSERT ON ${database}.${other} TO ?@?`, [account.user, '%']);
    await admin.query(`GRANT SELECT ON ${database}.* TO ?@?`, [account.user, 'localhost']);
    await ensureMysqlReadAccounts(MYSQL_URL, [account], logger);
    expect(await myFailure(reader, `SELECT * FROM ${other}`)).toBe(1142);
    expect(await myFailure(reader, `INSERT INTO ${other} VALUES (1, 'x')`)).toBe(1142);
    const [schemaGrants] = await admin.query('SELECT GRANTEE FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE LIKE ?', [`'${account.user}'@%`]);
    expect(schemaGrants).toEqual([]);
  });
});
