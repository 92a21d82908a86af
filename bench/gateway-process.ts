import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { get, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { projectRoot } from '../server/paths.js';

/**
 * Runs the real gateway (`server/main.ts`, as `npm start` does) in a child process with its own
 * catalogue folder, so that benchmarks measure the server alone: its latency and its memory.
 * `node` is the binary to run it on (this one by default); `nodeArgs` go before the script
 * (`--cpu-prof`, say).
 */
export async function startGatewayProcess(env: Record<string, string> = {}, options: { node?: string; nodeArgs?: string[] } = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-gateway-'));
  const child: ChildProcess = spawn(options.node ?? process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', join(projectRoot, 'server', 'main.ts')], {
    cwd: projectRoot,
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('gateway did not start within 5 minutes')), 300_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /"url":"([^"]+)"/.exec(line);
      if (match?.[1] && line.includes('gateway ready')) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
  });
  return {
    url,
    base: url.replace(/\/graphql$/, ''),
    pid: child.pid!,
    /** Resident memory of the gateway process now, in MB. */
    async rssMb(): Promise<number> {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    },
    /** Streams the NDJSON export of `dataset` with `token`, sampling this process's RSS every 50 ms. */
    async exportWithRss(dataset: string, token: string): Promise<{ lines: number; seconds: number; baselineMb: number; peakMb: number }> {
      const baselineMb = await this.rssMb();
      let peakMb = baselineMb;
      const sampler = setInterval(() => void this.rssMb().then((mb) => (peakMb = Math.max(peakMb, mb))), 50);
      const started = performance.now();
      let lines = 0;
      try {
        // node:http, not fetch: the reader shares the machine's two cores with the server, and
        // fetch's web streams cost it several times what a plain socket reader does (psql, the
        // reference, reads its COPY in C). Lines counted with indexOf, not a loop over every byte.
        const response = await new Promise<IncomingMessage>((resolve, reject) => get(`${this.base}/export/${dataset}.ndjson`, { headers: { authorization: `Bearer ${token}` } }, resolve).on('error', reject));
        if (response.statusCode !== 200) throw new Error(`export answered ${response.statusCode}`);
        for await (const chunk of response as AsyncIterable<Buffer>) {
          for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
        }
      } finally {
        clearInterval(sampler);
      }
      return { lines, seconds: (performance.now() - started) / 1000, baselineMb, peakMb };
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
