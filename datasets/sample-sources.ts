import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { MongoClient } from 'mongodb';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { Logger } from '../server/logger.js';
import { businesses, healthFacilities, investmentProjects, landParcels, residents, schools, scienceOrganizations } from './generators.js';

/** Sizes of the sample sources (issue 3); the generators are deterministic, so ids are stable. */
const SAMPLE_SIZES = { residents: 100_000, businesses: 20_000, landParcels: 30_000, healthFacilities: 1_000, schools: 3_000, scienceOrganizations: 300, investmentProjects: 500 };

export interface SampleSourceTargets {
  postgresUrl: string;
  mysqlUrl: string;
  mongoUri: string;
  filesDir: string;
}

export type Progress = (source: string, done: number, total: number) => void;

export interface SourceReport {
  source: string;
  rows: number;
  status: 'loaded' | 'present' | 'failed';
  reason?: string;
}

const BATCH = 1000;

function sampleData() {
  const people = residents(SAMPLE_SIZES.residents);
  const enterprises = businesses(SAMPLE_SIZES.businesses, people);
  return {
    people,
    enterprises,
    parcels: landParcels(SAMPLE_SIZES.landParcels, people),
    schools: schools(SAMPLE_SIZES.schools, people),
    science: scienceOrganizations(SAMPLE_SIZES.scienceOrganizations, enterprises),
    projects: investmentProjects(SAMPLE_SIZES.investmentProjects),
  };
}

/** The health facilities API's data, served by the sample-source server (not stored anywhere). */
export const sampleHealthFacilities = () => healthFacilities(SAMPLE_SIZES.healthFacilities);

async function loadPostgres(url: string, rows: ReturnType<typeof residents>, force: boolean, progress: Progress): Promise<'loaded' | 'present'> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const present = await client.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'cong_an' AND table_name = 'residents'`);
    if (!force && present.rows[0].n === 1 && (await client.query('SELECT count(*)::int AS n FROM cong_an.residents')).rows[0].n === rows.length) {
      await indexResidents(client);
      return 'present';
    }
    await client.query('CREATE SCHEMA IF NOT EXISTS cong_an');
    await client.query('DROP TABLE IF EXISTS cong_an.residents');
    await client.query(`CREATE TABLE cong_an.residents ("citizenId" char(12) PRIMARY KEY, "fullName" text NOT NULL, "birthDate" date NOT NULL,
      "gender" text NOT NULL, "district" text NOT NULL, "ward" text NOT NULL, "address" text, "householdId" text NOT NULL,
      "ethnicity" text NOT NULL, "registeredAt" timestamptz NOT NULL)`);
    const columns = ['citizenId', 'fullName', 'birthDate', 'gender', 'district', 'ward', 'address', 'householdId', 'ethnicity', 'registeredAt'] as const;
    for (let start = 0; start < rows.length; start += BATCH) {
      const batch = rows.slice(start, start + BATCH);
      const params: unknown[] = [];
      const tuples = batch.map((row) => `(${columns.map((c) => `$${params.push(row[c])}`).join(',')})`);
      await client.query(`INSERT INTO cong_an.residents VALUES ${tuples.join(',')}`, params);
      progress('residents (PostgreSQL)', Math.min(start + BATCH, rows.length), rows.length);
    }
    await indexResidents(client);
    await client.query('ANALYZE cong_an.residents');
    return 'loaded';
  } finally {
    await client.end();
  }
}

/**
 * The gateway compares and orders text by code point (`COLLATE "C"`), whatever the column's
 * collation, so only indexes in that collation serve its reads: without them a read by key
 * scans the whole table and every page sorts it. Made on every start, so a table loaded before
 * gets them too.
 */
async function indexResidents(client: pg.Client): Promise<void> {
  await client.query('CREATE INDEX IF NOT EXISTS residents_citizen_id_c ON cong_an.residents ("citizenId" COLLATE "C")');
  await client.query('CREATE INDEX IF NOT EXISTS residents_district_c ON cong_an.residents ("district" COLLATE "C", "citizenId" COLLATE "C")');
}

/**
 * Names that go into DDL. They come from constants (or a test's generated names), never from
 * user text; checked anyway because DDL cannot take parameters, then quoted.
 */
const SQL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
function sqlName(name: string): string {
  if (!SQL_NAME.test(name)) throw new Error(`not a plain SQL name: ${JSON.stringify(name)}`);
  return name;
}
const pgIdent = (name: string) => `"${sqlName(name)}"`;
const myIdent = (name: string) => `\`${sqlName(name)}\``;

/** A department's read-only PostgreSQL account: USAGE on `schema`, SELECT on `tables` in it, nothing else. */
export interface PostgresReadAccount {
  role: string;
  password: string;
  schema: string;
  tables: readonly string[];
}

/** A department's read-only MariaDB/MySQL account: SELECT on `tables` of the admin URL's database, nothing else. */
export interface MysqlReadAccount {
  user: string;
  password: string;
  tables: readonly string[];
}

/**
 * The accounts that LOCAL_SOURCE_CREDENTIALS (server/config.ts) connect as; the passwords are
 * the ones in those URLs. `y_te` has no tables: health-db exists to show an unreachable source.
 */
export const SAMPLE_POSTGRES_ACCOUNTS: readonly PostgresReadAccount[] = [
  { role: 'kho_cong_an_doc', password: 'kho_cong_an_doc', schema: 'cong_an', tables: ['residents'] },
  { role: 'kho_y_te_doc', password: 'kho_y_te_doc', schema: 'y_te', tables: [] },
];
export const SAMPLE_MYSQL_ACCOUNTS: readonly MysqlReadAccount[] = [{ user: 'kho_tai_chinh_doc', password: 'kho_tai_chinh_doc', tables: ['business_registrations'] }];

/** A backstop only: the connectors set their own, shorter, timeout on every connection. */
const ACCOUNT_STATEMENT_TIMEOUT_SECONDS = 60;
/** Serialises the account set-up of concurrent starts on one database (pg_advisory_xact_lock key). */
const ACCOUNT_LOCK_KEY = 7_305_120_811;
/** Role attributes a source account must have; anything else (superuser, createrole, …) is taken away. */
const ROLE_ATTRIBUTES = [
  ['rolcanlogin', true, 'LOGIN'],
  ['rolsuper', false, 'NOSUPERUSER'],
  ['rolcreatedb', false, 'NOCREATEDB'],
  ['rolcreaterole', false, 'NOCREATEROLE'],
  ['rolinherit', false, 'NOINHERIT'],
  ['rolreplication', false, 'NOREPLICATION'],
  ['rolbypassrls', false, 'NOBYPASSRLS'],
] as const;
type RoleRow = Record<(typeof ROLE_ATTRIBUTES)[number][0], boolean>;

/** Another process created the same role or schema between our check and our CREATE. */
function isDuplicate(error: unknown): boolean {
  return error instanceof pg.DatabaseError && (error.code === '42710' || error.code === '42P06' || error.code === '23505');
}

async function createUnlessPresent(client: pg.Client, ddl: string): Promise<void> {
  await client.query('SAVEPOINT kho_create');
  try {
    await client.query(ddl);
    await client.query('RELEASE SAVEPOINT kho_create');
  } catch (error) {
    if (!isDuplicate(error)) throw error;
    await client.query('ROLLBACK TO SAVEPOINT kho_create');
  }
}

async function ensurePostgresAccount(client: pg.Client, account: PostgresReadAccount): Promise<void> {
  const role = pgIdent(account.role);
  const schema = pgIdent(account.schema);
  const tables = account.tables.map((t) => `${schema}.${pgIdent(t)}`);
  const select = `SELECT ${ROLE_ATTRIBUTES.map(([column]) => column).join(', ')} FROM pg_roles WHERE rolname = $1`;
  let current = (await client.query<RoleRow>(select, [account.role])).rows[0];
  if (!current) {
    await createUnlessPresent(client, `CREATE ROLE ${role} ${ROLE_ATTRIBUTES.map(([, , clause]) => clause).join(' ')}`);
    current = (await client.query<RoleRow>(select, [account.role])).rows[0]!;
  }
  // Only the attributes that differ: stating NOSUPERUSER at all needs a superuser, and the admin
  // URL may be an account with CREATEROLE only.
  const changes = ROLE_ATTRIBUTES.filter(([column, wanted]) => current[column] !== wanted).map(([, , clause]) => clause);
  // The local registry's URL carries this password; trust authentication ignores it, scram does not.
  await client.query(`ALTER ROLE ${role} WITH ${changes.join(' ')} PASSWORD ${pg.escapeLiteral(account.password)}`);
  await client.query(`ALTER ROLE ${role} SET default_transaction_read_only = on`);
  await client.query(`ALTER ROLE ${role} SET statement_timeout = '${ACCOUNT_STATEMENT_TIMEOUT_SECONDS}s'`);
  await createUnlessPresent(client, `CREATE SCHEMA IF NOT EXISTS ${schema}`);
  // Revoking first makes a re-run converge on exactly this grant, whatever was granted before;
  // the surrounding transaction means a concurrent reader never sees the gap.
  await client.query(`REVOKE ALL ON SCHEMA ${schema} FROM ${role}`);
  await client.query(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
  await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${schema} FROM ${role}`);
  await client.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${schema} FROM ${role}`);
  for (const table of tables) await client.query(`GRANT SELECT ON ${table} TO ${role}`);
}

/**
 * Creates or brings in line each read-only PostgreSQL account, connecting as `adminUrl`.
 * Idempotent, and safe when two processes run it at once. Run it after the tables exist (and
 * again after they are re-created), since a dropped table takes its grants with it.
 * PGlite has a single user and no authentication, so there is nothing to restrict: skipped.
 */
export async function ensurePostgresReadAccounts(adminUrl: string, accounts: readonly PostgresReadAccount[], logger: Logger): Promise<'ready' | 'embedded'> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const version = (await client.query<{ version: string }>('SELECT version() AS version')).rows[0]?.version ?? '';
    if (version.includes('PGlite')) {
      logger.info({ postgres: 'pglite', accounts: accounts.map((a) => a.role) }, 'embedded PGlite accepts any user name without a password: read-only source accounts are not created there');
      return 'embedded';
    }
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [ACCOUNT_LOCK_KEY]);
      for (const account of accounts) await ensurePostgresAccount(client, account);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    logger.info({ accounts: accounts.map((a) => `${a.role}: ${a.tables.map((t) => `${a.schema}.${t}`).join(', ') || `${a.schema} (no tables)`}`) }, 'read-only PostgreSQL source accounts in place');
    return 'ready';
  } finally {
    await client.end();
  }
}

/** TCP from 127.0.0.1 matches `%`, or `localhost` where the server resolves names; both get the same grant. */
const MYSQL_ACCOUNT_HOSTS = ['%', 'localhost'] as const;

/** Whether the account holds any privilege besides SELECT on `tables` of `database`. */
async function mysqlExtraPrivileges(connection: mysql.Connection, grantee: string, database: string, tables: readonly string[]): Promise<string[]> {
  const [rows] = await connection.query(
    `SELECT PRIVILEGE_TYPE AS p, '*' AS s, '*' AS t FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ? AND PRIVILEGE_TYPE <> 'USAGE'
     UNION ALL SELECT PRIVILEGE_TYPE, TABLE_SCHEMA, '*' FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = ?
     UNION ALL SELECT PRIVILEGE_TYPE, TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLE_PRIVILEGES WHERE GRANTEE = ?
     UNION ALL SELECT PRIVILEGE_TYPE, TABLE_SCHEMA, CONCAT(TABLE_NAME, '.', COLUMN_NAME) FROM information_schema.COLUMN_PRIVILEGES WHERE GRANTEE = ?`,
    [grantee, grantee, grantee, grantee],
  );
  return (rows as { p: string; s: string; t: string }[]).filter((r) => !(r.p === 'SELECT' && r.s === database && tables.includes(r.t))).map((r) => `${r.p} ON ${r.s}.${r.t}`);
}

/**
 * Creates or brings in line each read-only MariaDB/MySQL account, connecting as `adminUrl`,
 * whose database holds the tables. Idempotent and safe when two processes run it at once.
 */
export async function ensureMysqlReadAccounts(adminUrl: string, accounts: readonly MysqlReadAccount[], logger: Logger): Promise<void> {
  const database = sqlName(decodeURIComponent(new URL(adminUrl).pathname.slice(1)));
  const connection = await mysql.createConnection({ uri: adminUrl, connectTimeout: 5000 });
  try {
    const [versionRows] = await connection.query('SELECT VERSION() AS v');
    const mariadb = (versionRows as { v: string }[])[0]!.v.includes('MariaDB');
    for (const account of accounts) {
      const user = sqlName(account.user);
      const tables = account.tables.map((t) => `${myIdent(database)}.${myIdent(t)}`);
      for (const host of MYSQL_ACCOUNT_HOSTS) {
        try {
          await connection.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [user, host, account.password]);
        } catch (error) {
          // A concurrent start created it between the server's check and its insert.
          if (!(error instanceof Error && 'errno' in error && error.errno === 1396)) throw error;
        }
        await connection.query('ALTER USER ?@? IDENTIFIED BY ?', [user, host, account.password]);
        // MariaDB only; MySQL has no per-account statement limit.
        if (mariadb) await connection.query(`ALTER USER ?@? WITH MAX_STATEMENT_TIME ${ACCOUNT_STATEMENT_TIMEOUT_SECONDS}`, [user, host]);
        // Table grants survive DROP TABLE here (unlike PostgreSQL), so a re-created table keeps
        // them; granting again is harmless and covers a table created after the account.
        const extra = await mysqlExtraPrivileges(connection, `'${user}'@'${host}'`, database, account.tables);
        if (extra.length > 0) {
          logger.warn({ user, host, extra }, 'source account held more than SELECT on its own tables: revoked');
          await connection.query('REVOKE ALL PRIVILEGES, GRANT OPTION FROM ?@?', [user, host]);
        }
        for (const table of tables) await connection.query(`GRANT SELECT ON ${table} TO ?@?`, [user, host]);
      }
    }
    logger.info({ accounts: accounts.map((a) => `${a.user}: ${a.tables.map((t) => `${database}.${t}`).join(', ')}`) }, 'read-only MariaDB source accounts in place');
  } finally {
    await connection.end();
  }
}

async function loadMysql(url: string, rows: ReturnType<typeof businesses>, force: boolean, progress: Progress): Promise<'loaded' | 'present'> {
  const connection = await mysql.createConnection({ uri: url, connectTimeout: 5000 });
  try {
    const [tables] = await connection.query(`SELECT count(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'business_registrations'`);
    if (!force && (tables as { n: number }[])[0]!.n === 1) {
      const [count] = await connection.query('SELECT count(*) AS n FROM business_registrations');
      if ((count as { n: number }[])[0]!.n === rows.length) return 'present';
    }
    await connection.query('DROP TABLE IF EXISTS business_registrations');
    await connection.query(`CREATE TABLE business_registrations (enterpriseCode CHAR(10) PRIMARY KEY, name VARCHAR(300) NOT NULL,
      businessType VARCHAR(100) NOT NULL, industry VARCHAR(200) NOT NULL, registeredDate DATE NOT NULL, charterCapitalVnd BIGINT NOT NULL,
      district VARCHAR(100) NOT NULL, ward VARCHAR(100) NOT NULL, address VARCHAR(300) NOT NULL, status VARCHAR(50) NOT NULL,
      legalRepresentativeId CHAR(12) NOT NULL, INDEX (legalRepresentativeId), INDEX (district)) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    for (let start = 0; start < rows.length; start += BATCH) {
      const batch = rows.slice(start, start + BATCH).map((b) => Object.values(b));
      await connection.query('INSERT INTO business_registrations VALUES ?', [batch]);
      progress('business registrations (MariaDB)', Math.min(start + BATCH, rows.length), rows.length);
    }
    return 'loaded';
  } finally {
    await connection.end();
  }
}

async function loadMongo(uri: string, rows: ReturnType<typeof landParcels>, force: boolean, progress: Progress): Promise<'loaded' | 'present'> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  try {
    const collection = client.db('so_nnmt_dat_dai').collection('land_parcels');
    if (!force && (await collection.countDocuments()) === rows.length) return 'present';
    await collection.drop().catch(() => undefined);
    for (let start = 0; start < rows.length; start += BATCH) {
      await collection.insertMany(rows.slice(start, start + BATCH).map((r) => ({ ...r })), { ordered: false });
      progress('land parcels (MongoDB)', Math.min(start + BATCH, rows.length), rows.length);
    }
    await collection.createIndex({ parcelId: 1 }, { unique: true });
    await collection.createIndex({ ownerId: 1 });
    return 'loaded';
  } finally {
    await client.close();
  }
}

async function writeCsv(filesDir: string, name: string, rows: Record<string, unknown>[], force: boolean, progress: Progress): Promise<'loaded' | 'present'> {
  await mkdir(filesDir, { recursive: true });
  if (!force && (await stat(join(filesDir, name)).catch(() => null))) return 'present';
  const columns = Object.keys(rows[0]!);
  await writeFile(join(filesDir, name), stringify(rows.map((r) => columns.map((c) => r[c] ?? '')), { header: true, columns }));
  progress(`${name} (CSV)`, rows.length, rows.length);
  return 'loaded';
}

/**
 * The read-only accounts are made after the load, present or not: a dropped and re-created
 * table has lost its PostgreSQL grants, and a machine seeded before the accounts existed gets them.
 */
async function withAccounts(load: Promise<'loaded' | 'present'>, accounts: () => Promise<unknown>): Promise<'loaded' | 'present'> {
  const status = await load;
  await accounts();
  return status;
}

/**
 * Loads every sample source into its own kind of system, and gives each department's database
 * source its read-only account. Sources already complete are left alone unless `force`; a
 * source that cannot be reached is reported and the others still load.
 */
export async function loadSampleSources(targets: SampleSourceTargets, options: { force: boolean; progress: Progress; logger: Logger }): Promise<SourceReport[]> {
  const data = sampleData();
  const jobs: [string, number, () => Promise<'loaded' | 'present'>][] = [
    ['cong-an.residents', data.people.length, () => withAccounts(loadPostgres(targets.postgresUrl, data.people, options.force, options.progress), () => ensurePostgresReadAccounts(targets.postgresUrl, SAMPLE_POSTGRES_ACCOUNTS, options.logger))],
    ['tai-chinh.business-registrations', data.enterprises.length, () => withAccounts(loadMysql(targets.mysqlUrl, data.enterprises, options.force, options.progress), () => ensureMysqlReadAccounts(targets.mysqlUrl, SAMPLE_MYSQL_ACCOUNTS, options.logger))],
    ['nong-nghiep-moi-truong.land-parcels', data.parcels.length, () => loadMongo(targets.mongoUri, data.parcels, options.force, options.progress)],
    ['giao-duc-dao-tao.schools', data.schools.length, () => writeCsv(join(targets.filesDir, 'giao-duc-dao-tao'), 'schools.csv', data.schools, options.force, options.progress)],
    ['khoa-hoc-cong-nghe.science-organizations', data.science.length, () => writeCsv(join(targets.filesDir, 'khoa-hoc-cong-nghe'), 'science-organizations.csv', data.science, options.force, options.progress)],
    ['tai-chinh.public-investment-projects', data.projects.length, () => writeCsv(join(targets.filesDir, 'tai-chinh'), 'public-investment-projects.csv', data.projects, options.force, options.progress)],
  ];
  const reports: SourceReport[] = [];
  for (const [source, rows, load] of jobs) {
    try {
      reports.push({ source, rows, status: await load() });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      options.logger.warn({ source, reason }, 'sample source could not be loaded');
      reports.push({ source, rows: 0, status: 'failed', reason });
    }
  }
  return reports;
}

/** Progress on a terminal: one line rewritten in place; elsewhere a line per finished source. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  return (source, done, total) => {
    const line = `${source}: ${done.toLocaleString('en')}/${total.toLocaleString('en')} (${Math.floor((done * 100) / total)}%)`;
    if (stream.isTTY) stream.write(`\r${line}\x1b[K${done === total ? '\n' : ''}`);
    else if (done === total) stream.write(`${line}\n`);
  };
}
