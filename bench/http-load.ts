import { Agent, request } from 'node:http';
import { measure } from './load.js';

/**
 * Load client run in its own process, so that the requests the benchmark sends do not compete
 * with the gateway for its event loop. It uses node:http with a keep-alive agent rather than
 * fetch, whose per-request cost on Node 20 would make the client, not the server, the limit.
 * Input (JSON on argv[2]): url, token, bodies, clients, perClient. Output: figures as one JSON line.
 */
const { url, token, bodies, clients, perClient } = JSON.parse(process.argv[2]!) as {
  url: string;
  token: string;
  bodies: string[];
  clients: number;
  perClient: number;
};
const target = new URL(url);
const agent = new Agent({ keepAlive: true, maxSockets: clients });

function post(body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200 || text.includes('"errors"')) reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
          else resolve();
        });
      },
    );
    req.on('socket', (socket) => socket.setNoDelay(true));
    req.on('error', reject);
    req.end(body);
  });
}

const figures = await measure(clients, perClient, (i) => post(bodies[i % bodies.length]!));
agent.destroy();
process.stdout.write(`${JSON.stringify(figures)}\n`);
