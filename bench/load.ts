import { execFile } from 'node:child_process';
import { request, type Agent } from 'node:http';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Small load and statistics helpers for the benchmarks: bounded loops, figures printed. */
export interface Figures {
  count: number;
  medianMs: number;
  p95Ms: number;
  rps: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Runs `task` from `clients` concurrent loops, `perClient` times each, and measures every call. */
export async function measure(clients: number, perClient: number, task: (i: number) => Promise<void>): Promise<Figures> {
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; i < perClient; i++) {
        const t0 = performance.now();
        await task(c * perClient + i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { count: latencies.length, medianMs: percentile(latencies, 50), p95Ms: percentile(latencies, 95), rps: latencies.length / seconds };
}

export const fmt = (f: Figures) => `median ${f.medianMs.toFixed(1)} ms  p95 ${f.p95Ms.toFixed(1)} ms  ${f.rps.toFixed(0)} req/s  (${f.count} requests)`;

/** Runs bench/http-load.ts in a separate process: POSTs `bodies` round-robin from `clients` loops. */
export async function measureHttp(args: { url: string; token: string; bodies: string[]; clients: number; perClient: number }): Promise<Figures> {
  const script = fileURLToPath(new URL('./http-load.ts', import.meta.url));
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script, JSON.stringify(args)], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Figures;
}

/**
 * POSTs one JSON body over node:http with a keep-alive agent (fetch's per-request cost on
 * Node 20 would make the client, not the server, the limit). Resolves with the status and body,
 * or rejects when the connection fails; `abortAfterMs` hangs up mid-request on purpose.
 */
export function postJson(agent: Agent, url: URL, token: string, body: string, abortAfterMs?: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('socket', (socket) => socket.setNoDelay(true));
    req.on('error', reject);
    if (abortAfterMs !== undefined) setTimeout(() => req.destroy(), abortAfterMs);
    req.end(body);
  });
}
