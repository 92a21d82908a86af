import type { Connector } from './contract.js';

/** Runs a connector's cheapest real request and reports it as `health()` promises: never throwing. */
export async function probeHealth(probe: () => Promise<unknown>): ReturnType<Connector['health']> {
  const started = performance.now();
  try {
    await probe();
    return { ok: true, latencyMs: performance.now() - started };
  } catch (error) {
    return { ok: false, latencyMs: performance.now() - started, message: error instanceof Error ? error.message : String(error) };
  }
}
