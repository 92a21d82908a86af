import { readFile } from 'node:fs/promises';
import autocannon from 'autocannon';

/**
 * The load client of the read benchmark, run in its own process so that it never shares an event
 * loop with a server it measures. It POSTs GraphQL bodies round-robin from `connections`
 * keep-alive connections for `seconds`, and counts as an error every answer that is not a 200
 * or whose body holds `"errors"` (a server that answers fast with an error must not look fast).
 * Input: a JSON file named by argv[2] with url, bodies, token (optional), connections, seconds.
 * Output: one JSON line of figures; p95 from every answer's latency, the rest from autocannon's histogram.
 */
const { url, bodies, token, connections, seconds } = JSON.parse(await readFile(process.argv[2]!, 'utf8')) as {
  url: string;
  bodies: string[];
  token?: string;
  connections: number;
  seconds: number;
};

let graphqlErrors = 0;
let firstError: string | null = null;
const headers: Record<string, string> = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
// Every answer's latency, for the percentiles autocannon's histogram does not give (p95).
const latencies: number[] = [];
const result = await new Promise<autocannon.Result>((resolve, reject) => {
  const instance = autocannon(
    {
      url,
      connections,
      duration: seconds,
      timeout: 10,
      requests: bodies.map((body) => ({
        method: 'POST' as const,
        headers,
        body,
        onResponse: (status: number, text: string) => {
          if (status === 200 && !text.includes('"errors"')) return;
          graphqlErrors++;
          firstError ??= `HTTP ${status}: ${text.slice(0, 300)}`;
        },
      })),
    },
    (error, finished) => (error ? reject(error) : resolve(finished)),
  );
  instance.on('response', (_client, _status, _bytes, ms) => void latencies.push(ms));
});
latencies.sort((a, b) => a - b);
const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;

process.stdout.write(
  `${JSON.stringify({
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p95: at(95),
    p97_5: result.latency.p97_5,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    graphqlErrors,
    firstError,
  })}\n`,
);
