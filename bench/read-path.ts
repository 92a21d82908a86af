import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { signToken } from '../server/auth/jwt.js';
import type { Principal } from '../server/auth/principal.js';
import { loadConfig } from '../server/config.js';
import { createLogger } from '../server/logger.js';
import { resolveMongo } from '../server/mongo/resolve-mongo.js';
import { projectRoot } from '../server/paths.js';
import { startGatewayProcess } from './gateway-process.js';
import { cannon, type Figures } from './cannon.js';
import { node24 } from './node24.js';

const exec = promisify(execFile);

/**
 * Issue 11: the gateway's read path against PostGraphile 5 serving the same table
 * (`cong_an.residents`, through the same read-only account), both on Node 24, both loaded by
 * autocannon from a process of its own, in alternating rounds so that whatever else the machine
 * does weighs on both alike. Prints one table with both servers side by side and the load
 * average next to each scenario.
 *
 * Settings: BENCH_SECONDS (per round, default 8), BENCH_ROUNDS (per server, default 2),
 * BENCH_SCENARIOS (comma-separated subset of: key-owner, key-grantee, page, first1, export, two),
 * BENCH_CPU_PROF (a folder: the first gateway writes a V8 CPU profile there when it stops).
 */
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 8);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 2);
/** Exports (and psql copies) made, alternating; their medians are compared. */
const EXPORT_RUNS = 3;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const WANTED = new Set((process.env['BENCH_SCENARIOS'] ?? 'key-owner,key-grantee,page,first1,export,two').split(',').map((s) => s.trim()));

const ALL_FIELDS = 'citizenId fullName birthDate gender district ward address householdId ethnicity registeredAt';
/** What the keyed reads ask for: what the grantee is granted. */
const KEY_FIELDS = 'citizenId fullName birthDate gender district ward address householdId';
const FOUR_FIELDS = 'citizenId fullName district ward';
const PURPOSE = 'Đối soát hồ sơ đăng ký kinh doanh với cơ sở dữ liệu dân cư';


interface Row {
  scenario: string;
  gateway: string;
  postgraphile: string;
  ratio: string;
  load: string;
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

/** CPU time (user + system) a process has used, in seconds, from /proc (clock ticks of 10 ms). */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The Java MongoDB (mongo-java-server) this process started, if any, to count its CPU too. */
async function javaChild(): Promise<number | null> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (stat.includes('(java)') && Number(fields[1]) === process.pid) return Number(entry);
  }
  return null;
}

function mean(list: Figures[]): Figures {
  const avg = (f: (x: Figures) => number) => list.reduce((s, x) => s + f(x), 0) / list.length;
  const sum = (f: (x: Figures) => number) => list.reduce((s, x) => s + f(x), 0);
  return {
    requests: sum((x) => x.requests),
    rps: avg((x) => x.rps),
    p50: avg((x) => x.p50),
    p95: avg((x) => x.p95),
    p97_5: avg((x) => x.p97_5),
    p99: avg((x) => x.p99),
    max: Math.max(...list.map((x) => x.max)),
    errors: sum((x) => x.errors),
    timeouts: sum((x) => x.timeouts),
    non2xx: sum((x) => x.non2xx),
    graphqlErrors: sum((x) => x.graphqlErrors),
    firstError: list.find((x) => x.firstError)?.firstError ?? null,
    ...(list.every((x) => x.cpuMsPerRequest !== undefined) ? { cpuMsPerRequest: avg((x) => x.cpuMsPerRequest!) } : {}),
    ...(list.every((x) => x.mongoCpuMsPerRequest !== undefined) ? { mongoCpuMsPerRequest: avg((x) => x.mongoCpuMsPerRequest!) } : {}),
  };
}

const show = (f: Figures) =>
  `${f.rps.toFixed(0)} req/s, p50 ${f.p50.toFixed(1)} ms, p97.5 ${f.p97_5.toFixed(1)} ms, ${f.graphqlErrors + f.non2xx} err, ${f.timeouts} t/o` +
  (f.cpuMsPerRequest === undefined ? '' : `, CPU ${f.cpuMsPerRequest.toFixed(2)} ms/req`) +
  (f.mongoCpuMsPerRequest === undefined ? '' : ` (+ MongoDB ${f.mongoCpuMsPerRequest.toFixed(2)})`);

/** A run of `cannon`, with the CPU time the measured processes used per request. */
async function measured(node: string, pids: { server: number; mongo?: number | null }, args: Parameters<typeof cannon>[1]): Promise<Figures> {
  const before = await cpuSeconds(pids.server);
  const mongoBefore = pids.mongo ? await cpuSeconds(pids.mongo) : 0;
  const figures = await cannon(node, args);
  const perRequest = (seconds: number) => (seconds * 1000) / Math.max(1, figures.requests);
  figures.cpuMsPerRequest = perRequest((await cpuSeconds(pids.server)) - before);
  if (pids.mongo) figures.mongoCpuMsPerRequest = perRequest((await cpuSeconds(pids.mongo)) - mongoBefore);
  return figures;
}

/** PostGraphile 5 in its own process; resolves with its URL once it listens. */
async function startPostGraphile(node: string, databaseUrl: string): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(node, ['--import', 'tsx', join(projectRoot, 'bench', 'postgraphile-server.ts')], {
    cwd: projectRoot,
    env: { ...process.env, POSTGRAPHILE_DATABASE_URL: databaseUrl, GRAPHILE_ENV: 'production', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^postgraphile ready (\S+)/.exec(line);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`postgraphile exited with ${code}`)));
  });
  return {
    url,
    pid: child.pid!,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function graphql(url: string, token: string | null, query: string, variables: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown };
  if (body.errors) throw new Error(`${query.slice(0, 60)}…: ${JSON.stringify(body.errors).slice(0, 500)}`);
  return body.data!;
}

export async function run(): Promise<void> {
  const node = await node24();
  const config = loadConfig({ ...process.env, NODE_ENV: 'development' });
  const sourceUrl = config.sourceCredentials['residents-db']?.url;
  if (!sourceUrl) throw new Error('no residents-db credential');
  const token = (p: Principal) => signToken(p, config.jwt, '2h');
  const owner = token({ id: 'bench.owner', department: 'cong-an', roles: ['analyst'] });
  const grantee = token({ id: 'bench.grantee', department: 'tai-chinh', roles: ['analyst'] });
  const steward = token({ id: 'bench.steward', department: 'cong-an', roles: ['steward'] });
  const admin = token({ id: 'bench.admin', department: 'cong-an', roles: ['admin'] });

  const logger = createLogger('warn');
  const mongo = await resolveMongo(logger, process.env['MONGODB_URI'] ? { uri: process.env['MONGODB_URI'] } : {});
  // Each scenario's clients share one token, as a department's service account would; such an
  // account gets more source-query slots than a person (SOURCE_MAX_QUERIES_PER_CALLER, default 4).
  const mongoEnv = { MONGODB_URI: mongo.uri, MONGODB_DB: `bench_read_${randomUUID().slice(0, 8)}`, SOURCE_MAX_QUERIES_PER_CALLER: '64', SOURCE_MAX_WAITING_PER_CALLER: '256' };
  const profileDir = process.env['BENCH_CPU_PROF'];
  const gateway = await startGatewayProcess(mongoEnv, { node, ...(profileDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] } : {}) });
  const postgraphile = await startPostGraphile(node, sourceUrl);
  const mongoPid = await javaChild();
  const rows: Row[] = [];
  const source = new pg.Pool({ connectionString: sourceUrl, max: 2 });
  let second: Awaited<ReturnType<typeof startGatewayProcess>> | null = null;
  try {
    const versions = await exec(node, ['--version']);
    console.log(`read path vs PostGraphile 5 on Node ${versions.stdout.trim()}, MongoDB: ${mongo.kind}, ${SECONDS} s rounds, ${ROUNDS} per server, load client autocannon in its own process`);

    // The grantee's grant: some fields, masks, and a row filter on district.
    const districts = (await source.query<{ district: string }>('SELECT DISTINCT district FROM cong_an.residents ORDER BY district LIMIT 3')).rows.map((r) => r.district);
    const keys = (await source.query<{ k: string }>('SELECT "citizenId" AS k FROM cong_an.residents WHERE district = ANY($1) ORDER BY md5("citizenId") LIMIT 500', [districts])).rows.map((r) => r.k.trim());
    const requested = await graphql(
      gateway.url,
      grantee,
      'mutation($input: AccessRequestInput!) { requestAccess(input: $input) { id } }',
      { input: { datasetId: 'cong-an.residents', fields: KEY_FIELDS.split(' '), purpose: PURPOSE, justification: 'benchmark', until: new Date(Date.now() + 30 * 86_400_000).toISOString() } },
    );
    const requestId = (requested['requestAccess'] as { id: string }).id;
    await graphql(gateway.url, steward, 'mutation($id: ID!, $input: ApprovalInput) { approveAccessRequest(id: $id, input: $input) { id } }', {
      id: requestId,
      input: {
        rowFilter: { district: { in: districts } },
        masks: [
          // The key is PII, masked by default; the reads are by key, so the steward shows it in clear.
          { field: 'citizenId', strategy: 'CLEAR' },
          { field: 'fullName', strategy: 'PARTIAL' },
          { field: 'birthDate', strategy: 'YEAR_ONLY' },
          { field: 'address', strategy: 'REDACT' },
        ],
      },
    });

    const keyed = (purpose: boolean) =>
      keys.map((k) => JSON.stringify({ query: `{ data { cong_an_residents(first: 1, where: { citizenId: { eq: "${k}" } }${purpose ? `, purpose: "${PURPOSE}"` : ''}) { edges { node { ${KEY_FIELDS} } } } } }` }));
    const keyedPgl = keys.map((k) => JSON.stringify({ query: `{ residentByCitizenId(citizenId: "${k}") { ${KEY_FIELDS} } }` }));
    const page = [JSON.stringify({ query: `{ data { cong_an_residents(first: 1000) { edges { node { ${ALL_FIELDS} } } } } }` })];
    const pagePgl = [JSON.stringify({ query: `{ allResidents(first: 1000) { edges { node { ${ALL_FIELDS} } } } }` })];
    const first1 = [JSON.stringify({ query: `{ data { cong_an_residents(first: 1) { edges { node { ${FOUR_FIELDS} } } } } }` })];
    const first1Pgl = [JSON.stringify({ query: `{ allResidents(first: 1) { edges { node { ${FOUR_FIELDS} } } } }` })];

    /** Alternating rounds of the gateway and PostGraphile under the same load. */
    const compare = async (name: string, connections: number, gw: { bodies: string[]; token: string }, pgl: { bodies: string[] }, latencyOnly = false) => {
      const before = load();
      const g: Figures[] = [];
      const p: Figures[] = [];
      await cannon(node, { url: gateway.url, ...gw, connections, seconds: 4 });
      await cannon(node, { url: postgraphile.url, ...pgl, connections, seconds: 4 });
      for (let round = 0; round < ROUNDS; round++) {
        const gatewayRound = () => measured(node, { server: gateway.pid, mongo: mongoPid }, { url: gateway.url, ...gw, connections, seconds: SECONDS }).then((f) => g.push(f));
        const pglRound = () => measured(node, { server: postgraphile.pid }, { url: postgraphile.url, ...pgl, connections, seconds: SECONDS }).then((f) => p.push(f));
        if (round % 2 === 0) {
          await gatewayRound();
          await pglRound();
        } else {
          await pglRound();
          await gatewayRound();
        }
      }
      const gm = mean(g);
      const pm = mean(p);
      if (gm.firstError) console.log(`  ${name}: gateway error: ${gm.firstError}`);
      if (pm.firstError) console.log(`  ${name}: postgraphile error: ${pm.firstError}`);
      rows.push({
        scenario: name,
        gateway: show(gm),
        postgraphile: show(pm),
        ratio: latencyOnly ? `p50 ×${(gm.p50 / pm.p50).toFixed(2)}` : `req/s ×${(gm.rps / pm.rps).toFixed(2)}, p97.5 ×${(gm.p97_5 / pm.p97_5).toFixed(2)}`,
        load: `${before} → ${load()}`,
      });
      console.log(`  done: ${name}`);
      return gm;
    };

    let ownerKeyed: Figures | null = null;
    if (WANTED.has('key-owner')) ownerKeyed = await compare('one row by key, 50 clients, owner', 50, { bodies: keyed(false), token: owner }, { bodies: keyedPgl });
    if (WANTED.has('key-grantee')) await compare('one row by key, 50 clients, grantee (masks + row filter)', 50, { bodies: keyed(true), token: grantee }, { bodies: keyedPgl });
    if (WANTED.has('page')) await compare('page of 1,000 rows (10 fields), 1 client', 1, { bodies: page, token: owner }, { bodies: pagePgl }, true);
    if (WANTED.has('first1')) await compare('first: 1 without a key, 4 fields, 50 clients', 50, { bodies: first1, token: owner }, { bodies: first1Pgl });

    if (WANTED.has('export')) {
      const before = load();
      const columns = ALL_FIELDS.split(' ').map((f) => `"${f}"`).join(', ');
      const copy = async () => {
        const started = performance.now();
        await exec('psql', [sourceUrl, '-X', '-q', '-c', `\\copy (SELECT ${columns} FROM cong_an.residents ORDER BY "citizenId") TO '/dev/null'`]);
        return (performance.now() - started) / 1000;
      };
      // Alternating, EXPORT_RUNS of each, medians compared: one run of each swung by ×1.5 with
      // the host's load, and the first export also pays for compiling the export path.
      const exports = [];
      const copies = [];
      for (let i = 0; i < EXPORT_RUNS; i++) {
        exports.push(await gateway.exportWithRss('cong-an.residents', owner));
        copies.push(await copy());
      }
      const exported = { ...exports[0]!, seconds: median(exports.map((e) => e.seconds)) };
      // Growth during each export (the target), and where RSS stood after all of them (what stays).
      const growthMb = Math.max(...exports.map((e) => e.peakMb - e.baselineMb));
      const copySeconds = median(copies);
      rows.push({
        scenario: `export of all residents (${exported.lines.toLocaleString('en')} rows, NDJSON) vs psql \\copy, median of ${EXPORT_RUNS}`,
        gateway: `${exported.seconds.toFixed(2)} s (first ${exports[0]!.seconds.toFixed(2)} s), RSS growth ${growthMb.toFixed(0)} MB at most per export (${exports.map((e) => `${e.baselineMb.toFixed(0)} → ${e.peakMb.toFixed(0)}`).join(', ')} MB)`,
        postgraphile: `psql \\copy: ${copySeconds.toFixed(2)} s`,
        ratio: `time ×${(exported.seconds / copySeconds).toFixed(2)}`,
        load: `${before} → ${load()}`,
      });
      console.log('  done: export');
    }

    if (WANTED.has('two')) {
      second = await startGatewayProcess(mongoEnv, { node });
      const before = load();
      const bodies = keyed(false);
      const single = ownerKeyed ?? (await cannon(node, { url: gateway.url, bodies, token: owner, connections: 50, seconds: SECONDS }));
      await cannon(node, { url: second.url, bodies, token: owner, connections: 10, seconds: 2 });
      const [a, b] = await Promise.all([
        cannon(node, { url: gateway.url, bodies, token: owner, connections: 25, seconds: SECONDS }),
        cannon(node, { url: second.url, bodies, token: owner, connections: 25, seconds: SECONDS }),
      ]);
      for (const [name, f] of [['A', a], ['B', b]] as const) if (f.firstError) console.log(`  two gateways: ${name} error: ${f.firstError}`);
      const verified = (await graphql(gateway.url, admin, '{ verifyAuditLog { ok checked firstBrokenSeq } }'))['verifyAuditLog'] as { ok: boolean; checked: number; firstBrokenSeq: number | null };
      rows.push({
        scenario: 'two gateway processes on one MongoDB, 25 + 25 clients, owner by key',
        gateway: `A ${show(a)}; B ${show(b)}; together ${(a.rps + b.rps).toFixed(0)} req/s`,
        postgraphile: `one gateway, 50 clients: ${show(single)}`,
        ratio: `audit chain ${verified.ok ? 'verifies' : `BROKEN at ${verified.firstBrokenSeq}`} (${verified.checked} events)`,
        load: `${before} → ${load()}`,
      });
      console.log('  done: two gateways');
    }
  } finally {
    await source.end();
    await second?.stop();
    await gateway.stop();
    await postgraphile.stop();
    await mongo.stop();
  }

  const headers: Row = { scenario: 'scenario', gateway: 'this gateway', postgraphile: 'PostGraphile 5 (or reference)', ratio: 'gateway / reference', load: 'load average (1, 5, 15 min) before → after' };
  console.log('');
  console.log(`| ${Object.values(headers).join(' | ')} |`);
  console.log(`| ${Object.values(headers).map(() => '---').join(' | ')} |`);
  for (const row of rows) console.log(`| ${row.scenario} | ${row.gateway} | ${row.postgraphile} | ${row.ratio} | ${row.load} |`);
}
