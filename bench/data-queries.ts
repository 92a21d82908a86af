import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { signToken } from '../server/auth/jwt.js';
import { loadConfig } from '../server/config.js';
import { startGatewayProcess } from './gateway-process.js';
import { fmt, measure } from './load.js';

const RESIDENT_FIELDS = 'citizenId fullName birthDate gender district ward address householdId ethnicity registeredAt';

/**
 * Issue 3's figures on the sample sources (`npm run seed` loads them; the gateway loads any that
 * are missing): a page of 1,000 residents through the typed query vs the same SELECT with pg,
 * 1,000 businesses with their legal representatives, and an NDJSON export of all residents with
 * the server's memory sampled throughout.
 */
export async function run(): Promise<void> {
  const config = loadConfig({ ...process.env, NODE_ENV: 'development' });
  // Per-dataset source counts are published only behind a metrics token.
  const metricsToken = randomBytes(24).toString('hex');
  const gateway = await startGatewayProcess({ METRICS_TOKEN: metricsToken });
  const police = signToken({ id: 'bench', department: 'cong-an', roles: ['analyst'] }, config.jwt);
  const finance = signToken({ id: 'bench', department: 'tai-chinh', roles: ['publisher'] }, config.jwt);
  const gql = async (query: string, token: string) => {
    const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
    const body = (await response.json()) as { errors?: unknown; data?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  const pool = new pg.Pool({ connectionString: config.sourceCredentials['residents-db']?.url, max: 2 });
  try {
    console.log('1,000 residents per page, 40 sequential requests each:');
    const typed = `{ data { cong_an_residents(first: 1000) { edges { node { ${RESIDENT_FIELDS} } } } } }`;
    await measure(1, 5, () => gql(typed, police).then(() => undefined));
    const viaGateway = await measure(1, 40, () => gql(typed, police).then(() => undefined));
    const sql = `SELECT ${RESIDENT_FIELDS.split(' ').map((f) => `"${f}"`).join(', ')} FROM cong_an.residents ORDER BY "citizenId" COLLATE "C" LIMIT 1000`;
    await measure(1, 5, () => pool.query(sql).then(() => undefined));
    const direct = await measure(1, 40, () => pool.query(sql).then(() => undefined));
    console.log(`  gateway (typed GraphQL over HTTP)  ${fmt(viaGateway)}`);
    console.log(`  pg directly                        ${fmt(direct)}`);
    console.log(`  gateway/direct at the median: ${(viaGateway.medianMs / direct.medianMs).toFixed(2)} (target ≤ 2.0)`);

    // Under the interim policy only the owner reads INTERNAL data; the benchmark makes the
    // businesses PUBLIC so that the police, who own the residents, can follow the link.
    await gql('mutation { updateDataset(id: "tai-chinh.business-registrations", input: { classification: PUBLIC }) { id } }', finance);
    const metric = async () => {
      const text = await (await fetch(`${gateway.base}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })).text();
      return Number(/source_queries_total\{dataset="cong-an\.residents"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    const linked = '{ data { tai_chinh_business_registrations(first: 1000) { edges { node { enterpriseCode name legalRepresentative { fullName district } } } } } }';
    await gql(linked, police);
    const before = await metric();
    const links = await measure(1, 10, () => gql(linked, police).then(() => undefined));
    console.log(`1,000 businesses with their legal representatives: ${fmt(links)}; residents source queries per request: ${((await metric()) - before) / 10}`);

    const exported = await gateway.exportWithRss('cong-an.residents', police);
    console.log(
      `export of all residents as NDJSON: ${exported.lines.toLocaleString('en')} rows in ${exported.seconds.toFixed(1)} s; ` +
        `server RSS ${exported.baselineMb.toFixed(0)} MB before, peak ${exported.peakMb.toFixed(0)} MB, growth ${(exported.peakMb - exported.baselineMb).toFixed(0)} MB (target < 100 MB)`,
    );
  } finally {
    await pool.end();
    await gateway.stop();
  }
}
