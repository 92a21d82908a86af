import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { projectRoot } from '../server/paths.js';

const exec = promisify(execFile);

/** What one run of the load client measured (latencies in ms). */
export interface Figures {
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p97_5: number;
  p99: number;
  max: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  graphqlErrors: number;
  firstError: string | null;
  /** CPU time the server used per request during the run, in ms (and the Java MongoDB's, for the gateway). */
  cpuMsPerRequest?: number;
  mongoCpuMsPerRequest?: number;
}

/** One autocannon run (bench/autocannon-load.ts) in a process of its own, on the given node binary. */
/** One autocannon run in a process of its own, on Node 24. */
export async function cannon(node: string, args: { url: string; bodies: string[]; token?: string; connections: number; seconds: number }): Promise<Figures> {
  const script = fileURLToPath(new URL('./autocannon-load.ts', import.meta.url));
  // Hundreds of bodies are too long for a command line: they go through a file.
  const dir = await mkdtemp(join(tmpdir(), 'bench-load-'));
  try {
    const file = join(dir, 'load.json');
    await writeFile(file, JSON.stringify(args));
    const { stdout } = await exec(node, ['--import', 'tsx', script, file], { cwd: projectRoot, maxBuffer: 1 << 22 });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as Figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

