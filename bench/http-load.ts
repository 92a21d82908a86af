import { Agent } from 'node:http';
import { measure, postJson } from './load.js';

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

async function post(body: string): Promise<void> {
  const { status, text } = await postJson(agent, target, token, body);
  if (status !== 200 || text.includes('"errors"')) throw new Error(`HTTP ${status}: ${text.slice(0, 300)}`);
}

const figures = await measure(clients, perClient, (i) => post(bodies[i % bodies.length]!));
agent.destroy();
process.stdout.write(`${JSON.stringify(figures)}\n`);
