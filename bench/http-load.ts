import { measure } from './load.js';

/**
 * Load client run in its own process, so that the requests the benchmark sends do not compete
 * with the gateway for its event loop. Input (JSON on argv[2]): url, token, bodies, clients,
 * perClient. Output: the figures as one JSON line.
 */
const { url, token, bodies, clients, perClient } = JSON.parse(process.argv[2]!) as {
  url: string;
  token: string;
  bodies: string[];
  clients: number;
  perClient: number;
};
const figures = await measure(clients, perClient, async (i) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: bodies[i % bodies.length]!,
  });
  const body = (await response.json()) as { errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
});
process.stdout.write(`${JSON.stringify(figures)}\n`);
