import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { signToken } from '../server/auth/jwt.js';
import { loadConfig } from '../server/config.js';
import { createLogger } from '../server/logger.js';
import { resolveMongo } from '../server/mongo/resolve-mongo.js';
import { startGatewayProcess } from './gateway-process.js';
import { node24 } from './node24.js';
const exec = promisify(execFile);
const node = await node24();
const config = loadConfig({ ...process.env, NODE_ENV: 'development' });
const mongo = await resolveMongo(createLogger('warn'), {});
const env: Record<string, string> = { MONGODB_URI: mongo.uri, MONGODB_DB: `probe_${randomUUID().slice(0, 6)}`, ...(process.env['PROBE_ENV'] ? JSON.parse(process.env['PROBE_ENV']) : {}) };
const prof = process.env['PROBE_PROF'];
const gw = await startGatewayProcess(env, { node, ...(prof ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${prof}`] } : {}) });
const src = new pg.Pool({ connectionString: config.sourceCredentials['residents-db']!.url, max: 1 });
const keys = (await src.query('SELECT "citizenId" AS k FROM cong_an.residents ORDER BY md5("citizenId") LIMIT 300')).rows.map((r: any) => r.k.trim());
await src.end();
const token = signToken({ id: 'o', department: 'cong-an', roles: ['analyst'] }, config.jwt, '1h');
const query = process.env['PROBE_QUERY'] ?? 'key';
const bodies = query === 'key' ? keys.map((k: string) => JSON.stringify({ query: `{ data { cong_an_residents(first: 1, where: { citizenId: { eq: "${k}" } }) { edges { node { citizenId fullName birthDate gender district ward address householdId } } } } }` }))
  : query === 'keyvar' ? keys.map((k: string) => JSON.stringify({ query: `query($k: String) { data { cong_an_residents(first: 1, where: { citizenId: { eq: $k } }) { edges { node { citizenId fullName birthDate gender district ward address householdId } } } } }`, variables: { k } }))
  : query === 'first1' ? [JSON.stringify({ query: `{ data { cong_an_residents(first: 1) { edges { node { citizenId fullName district ward } } } } }` })]
  : [JSON.stringify({ query: `{ data { cong_an_residents(first: 1000) { edges { node { citizenId fullName birthDate gender district ward address householdId ethnicity registeredAt } } } } }` })];
const cpu = async (pid: number) => { const s = await readFile(`/proc/${pid}/stat`, 'utf8'); const f = s.slice(s.lastIndexOf(')') + 2).split(' '); return (Number(f[11]) + Number(f[12])) / 100; };
const dir = await mkdtemp(join(tmpdir(), 'probe-'));
for (const c of (process.env['PROBE_CONNS'] ?? '1,10,50').split(',').map(Number)) {
  await writeFile(join(dir, 'a.json'), JSON.stringify({ url: gw.url, bodies, token, connections: c, seconds: Number(process.env['PROBE_SECONDS'] ?? 5) }));
  const c0 = await cpu(gw.pid);
  const { stdout } = await exec(node, ['--import', 'tsx', 'bench/autocannon-load.ts', join(dir, 'a.json')]);
  const f = JSON.parse(stdout);
  console.log(`${c} conns: ${f.rps.toFixed(0)} req/s p50 ${f.p50} p97.5 ${f.p97_5} errs ${f.graphqlErrors} cpu ${(((await cpu(gw.pid)) - c0) * 1000 / f.requests).toFixed(2)} ms/req`, f.firstError ?? '');
}
await gw.stop(); await mongo.stop(); process.exit(0);
