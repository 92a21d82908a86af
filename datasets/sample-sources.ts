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
    if (!force && present.rows[0].n === 1 && (await client.query('SELECT count(*)::int AS n FROM cong_an.residents')).rows[0].n === rows.length) return 'present';
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
    await client.query('CREATE INDEX ON cong_an.residents ("district")');
    await client.query('ANALYZE cong_an.residents');
    return 'loaded';
  } finally {
    await client.end();
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
 * Loads every sample source into its own kind of system. Sources already complete are left
 * alone unless `force`; a source that cannot be reached is reported and the others still load.
 */
export async function loadSampleSources(targets: SampleSourceTargets, options: { force: boolean; progress: Progress; logger: Logger }): Promise<SourceReport[]> {
  const data = sampleData();
  const jobs: [string, number, () => Promise<'loaded' | 'present'>][] = [
    ['cong-an.residents', data.people.length, () => loadPostgres(targets.postgresUrl, data.people, options.force, options.progress)],
    ['tai-chinh.business-registrations', data.enterprises.length, () => loadMysql(targets.mysqlUrl, data.enterprises, options.force, options.progress)],
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
