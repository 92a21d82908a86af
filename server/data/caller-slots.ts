import { bulkhead, BulkheadRejectedError, TaskCancelledError, type BulkheadPolicy } from 'cockatiel';
import type { Principal } from '../auth/principal.js';
import { quotaExceeded } from '../errors.js';

/**
 * How many source queries each caller has running, over every source. A slot is held until the
 * connector's work has really ended, not when the client hangs up: a source that does not stop
 * on cancel keeps working, and one caller's abandoned queries must not pile up on it. Over the
 * limit a query waits for a slot; past the waiting room it is refused with QUOTA_EXCEEDED, and
 * other callers never wait behind it.
 */
export class CallerSlots {
  private readonly byCaller = new Map<string, BulkheadPolicy>();

  constructor(private readonly limits: { running: number; waiting: number }) {}

  /** Runs `work` in one of the caller's slots; `signal` only withdraws it while it waits. */
  async run<T>(principal: Principal, work: () => Promise<T>, signal: AbortSignal): Promise<T> {
    const key = `${principal.id}|${principal.department}`;
    let slots = this.byCaller.get(key);
    if (!slots) {
      slots = bulkhead(this.limits.running, this.limits.waiting);
      this.byCaller.set(key, slots);
    }
    try {
      return await slots.execute(() => work(), signal);
    } catch (error) {
      if (error instanceof BulkheadRejectedError) {
        throw quotaExceeded(`You have ${this.limits.running} reads running at the sources and ${this.limits.waiting} waiting; wait for them to finish.`);
      }
      if (error instanceof TaskCancelledError) throw signal.reason ?? error;
      throw error;
    } finally {
      if (slots.executionSlots === this.limits.running && slots.queueSlots === this.limits.waiting) this.byCaller.delete(key);
    }
  }
}
