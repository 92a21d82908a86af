import { Agent } from 'node:http';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { signToken } from '../server/auth/jwt.js';
import { loadConfig } from '../server/config.js';
import { startGatewayProcess } from './gateway-process.js';
import { postJson } from './load.js';

/**
 * Sources under hostile load (issue 8): 50 steady clients read the sample sources (PostgreSQL,
 * MariaDB, MongoDB) while other clients hang up mid-request in bursts of 50. Printed: the steady
 * clients' latencies, every error by code (a timeout or "failed repeatedly" is a failure of the
 * target), and what is still running on the sources afterwards.
 */
const STEADY_CLIENTS = 50;
const SECONDS = 20;

interface Tally {
  latencies: number[];
  errors: Map<string, number>;
}

export async function run(): Promise<void> {
  const config = loadConfig({ ...process.env, NODE_ENV: 'development' });
  const gateway = await startGatewayProcess();
  const police = signToken({ id: 'bench', department: 'cong-an', roles: ['analyst'] }, config.jwt);
  const finance = signToken({ id: 'bench', department: 'tai-chinh', roles: ['analyst'] }, config.jwt);
  const land = signToken({ id: 'bench', department: 'nong-nghiep-moi-truong', roles: ['analyst'] }, config.jwt);
  const target = new URL(gateway.url);
  const agent = new Agent({ keepAlive: true, maxSockets: STEADY_CLIENTS + 60 });
  const reads: [string, string][] = [
    [police, '{ records(dataset: "cong-an.residents", first: 200, where: { district: { eq: "Quận 3" } }) { edges { node } } }'],
    [police, '{ records(dataset: "cong-an.residents", first: 1, where: { citizenId: { eq: "079190000123" } }) { edges { node } } }'],
    [finance, '{ records(dataset: "tai-chinh.business-registrations", first: 200, orderBy: [{ field: "enterpriseCode", direction: DESC }]) { edges { node } } }'],
    [land, '{ records(dataset: "nong-nghiep-moi-truong.land-parcels", first: 200, where: { district: { eq: "Quận 7" } }) { edges { node } } }'],
  ];

  const post = (token: string, query: string, abortAfterMs?: number) =>
    postJson(agent, target, token, JSON.stringify({ query }), abortAfterMs).then(
      ({ status, text }) => {
        const code = /"code":"([A-Z_]+)"/.exec(text)?.[1];
        if (status !== 200 && !code) return `HTTP ${status}`;
        return code ? `${code}${/failed repeatedly/.test(text) ? ' (breaker open)' : /did not answer/.test(text) ? ' (timeout)' : ''}` : 'ok';
      },
      () => 'aborted',
    );

  const steady: Tally = { latencies: [], errors: new Map() };
  const deadline = Date.now() + SECONDS * 1000;
  let bursts = 0;
  const hangUps = (async () => {
    while (Date.now() < deadline) {
      bursts++;
      await Promise.all(Array.from({ length: 50 }, (_, i) => post(...reads[i % reads.length]!, 2 + (i % 30))));
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  await Promise.all(
    Array.from({ length: STEADY_CLIENTS }, async (_, c) => {
      for (let i = 0; Date.now() < deadline; i++) {
        const [token, query] = reads[(c + i) % reads.length]!;
        const started = performance.now();
        const outcome = await post(token, query);
        steady.latencies.push(performance.now() - started);
        if (outcome !== 'ok') steady.errors.set(outcome, (steady.errors.get(outcome) ?? 0) + 1);
      }
    }),
  );
  await hangUps;
  agent.destroy();
  steady.latencies.sort((a, b) => a - b);
  const at = (p: number) => steady.latencies[Math.min(steady.latencies.length - 1, Math.ceil(p * steady.latencies.length) - 1)]!.toFixed(0);
  console.log(`${STEADY_CLIENTS} steady clients for ${SECONDS} s, with ${bursts} bursts of 50 hang-ups:`);
  console.log(`  ${steady.latencies.length} reads, ${(steady.latencies.length / SECONDS).toFixed(0)} req/s, median ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms`);
  console.log(`  errors: ${steady.errors.size === 0 ? 'none' : [...steady.errors].map(([k, n]) => `${k} × ${n}`).join(', ')}`);

  await new Promise((resolve) => setTimeout(resolve, 1000));
  const pgAdmin = new pg.Client({ connectionString: config.sampleAdmin.postgresUrl });
  const myAdmin = await mysql.createConnection({ uri: config.sampleAdmin.mysqlUrl });
  try {
    await pgAdmin.connect();
    const running = await pgAdmin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename LIKE 'kho\\_%' AND state = 'active'`);
    const [processes] = await myAdmin.query(`SELECT count(*) AS n FROM information_schema.PROCESSLIST WHERE USER LIKE 'kho\\_%' AND COMMAND = 'Query'`);
    console.log(`  one second later, queries still running on the sources: PostgreSQL ${running.rows[0].n}, MariaDB ${(processes as { n: number }[])[0]!.n}`);
  } finally {
    await pgAdmin.end();
    await myAdmin.end();
    await gateway.stop();
  }
}
