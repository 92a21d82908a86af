import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';

/**
 * The reference server of the read benchmark: PostGraphile 5 (Amber preset, as documented for
 * library use) serving the sample schema `cong_an` through the same read-only account the gateway
 * uses. Run in its own process on Node ≥ 22; prints `postgraphile ready <url>` once listening.
 * Input: POSTGRAPHILE_DATABASE_URL, and optionally POSTGRAPHILE_SCHEMA (default cong_an).
 */
const connectionString = process.env['POSTGRAPHILE_DATABASE_URL'];
if (!connectionString) throw new Error('POSTGRAPHILE_DATABASE_URL is required');

const pgl = postgraphile({
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({ connectionString, schemas: [process.env['POSTGRAPHILE_SCHEMA'] ?? 'cong_an'] })],
  grafserv: { graphqlPath: '/graphql', graphiql: false, watch: false },
  grafast: { explain: false },
});
const serv = pgl.createServ(grafserv);
const server = createServer();
server.on('error', (error) => {
  process.stderr.write(`postgraphile server error: ${error.message}\n`);
});
serv.addTo(server);
await pgl.getSchema();
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`postgraphile ready http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql\n`);
});
process.on('SIGTERM', () => {
  server.close();
  void Promise.resolve(pgl.release()).finally(() => process.exit(0));
});
