import { signToken } from '../server/auth/jwt.js';
import { loadConfig } from '../server/config.js';
import { startGatewayProcess } from './gateway-process.js';
import { fmt, measureHttp, type Figures } from './load.js';

/**
 * Audited reads per second at 16 clients against the same reads with audit switched off
 * (AUDIT_ENABLED=false, refused in production): the cost of recording every read.
 */
export async function run(): Promise<void> {
  const config = loadConfig({ ...process.env, NODE_ENV: 'development' });
  const token = signToken({ id: 'bench', department: 'cong-an', roles: ['analyst'] }, config.jwt);
  const districts = ['Quận 1', 'Quận 3', 'Quận 10', 'Quận Gò Vấp', 'Thành phố Thủ Đức'];
  const bodies = districts.map((d) =>
    JSON.stringify({ query: `{ data { cong_an_residents(first: 20, where: { district: { eq: "${d}" } }) { edges { node { citizenId fullName district } } } } }` }),
  );
  // Both gateways run side by side and are measured in alternating rounds, so that warm-up and
  // whatever else the machine does weigh on both alike.
  const gateways = {
    on: await startGatewayProcess({ AUDIT_ENABLED: 'true', LOG_LEVEL: 'warn', SOURCE_MAX_QUERIES_PER_CALLER: '64', SOURCE_MAX_WAITING_PER_CALLER: '256' }),
    off: await startGatewayProcess({ AUDIT_ENABLED: 'false', LOG_LEVEL: 'warn', SOURCE_MAX_QUERIES_PER_CALLER: '64', SOURCE_MAX_WAITING_PER_CALLER: '256' }),
  };
  try {
    const rounds: Record<'on' | 'off', Figures[]> = { on: [], off: [] };
    for (const key of ['on', 'off'] as const) await measureHttp({ url: gateways[key].url, token, bodies, clients: 4, perClient: 20 });
    for (let round = 0; round < 3; round++) {
      for (const key of round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
        rounds[key].push(await measureHttp({ url: gateways[key].url, token, bodies, clients: 16, perClient: 40 }));
      }
    }
    const best = (list: Figures[]) => list.reduce((a, b) => (b.rps > a.rps ? b : a));
    for (const key of ['on', 'off'] as const) {
      console.log(`  audit ${key.padEnd(3)} 16 clients, best of 3: ${fmt(best(rounds[key]))}; all rounds: ${rounds[key].map((f) => f.rps.toFixed(0)).join(', ')} req/s`);
    }
    const ratio = best(rounds.on).rps / best(rounds.off).rps;
    console.log(`  audited throughput is ${(ratio * 100).toFixed(0)} % of unaudited (target ≥ 70 %)`);
  } finally {
    await gateways.on.stop();
    await gateways.off.stop();
  }
}
