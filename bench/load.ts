import { execFile } from 'node:child_process';
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
