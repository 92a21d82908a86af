import type { Principal } from '../auth/principal.js';
import type { ChangeCounters, CounterName, Counters } from '../catalogue/change-counters.js';
import { isVisibleTo } from '../catalogue/catalogue-service.js';
import type { Dataset } from '../catalogue/dataset.js';
import type { Grant } from '../governance/policy.js';

/** Where the cache reads what it does not hold: the catalogue and the access service. */
export interface MetadataSource {
  counters: ChangeCounters;
  /** A dataset whatever its status, or null. */
  loadDataset(id: string): Promise<Dataset | null>;
  /** The caller's grants on a dataset that are active, not revoked and not yet expired. */
  loadGrants(principal: Principal, datasetId: string): Promise<Grant[]>;
}

/** Entries kept of each kind; past it the oldest go first. */
const MAX_ENTRIES = 10_000;
/**
 * A backstop only: should a writer die between its write and its counter bump, what it changed
 * is still read again within this time.
 */
const MAX_AGE_MS = 30_000;

interface Entry<T> {
  value: T;
  at: number;
}

/**
 * The dataset metadata and active grants every read needs, from memory. Each read first reads
 * the change counters (one small round trip, shared by the reads that arrive together, and
 * never one sent before the read began); when a counter has moved since the copies were made
 * — a dataset was changed, deprecated or reclassified, a grant approved or revoked, here or on
 * any other gateway process — those copies are dropped and read again. A grant's expiry is
 * checked on every use. So a change takes effect on the very next read on every process, and
 * a read costs one round trip instead of one per dataset and grant lookup.
 */
export class ReadMetadata {
  private seen: Counters = { catalogue: -1, grants: -1 };
  private readonly datasets = new Map<string, Entry<Dataset>>();
  private readonly grants = new Map<string, Entry<Grant[]>>();

  constructor(private readonly source: MetadataSource) {}

  /** The counters this read goes by; copies older than them are dropped. */
  async fresh(): Promise<Counters> {
    const counters = await this.source.counters.readFresh();
    // Counters only grow: an answer older than the copies (a slower round trip) leaves them be.
    if (counters.catalogue > this.seen.catalogue) {
      this.datasets.clear();
      this.seen.catalogue = counters.catalogue;
    }
    if (counters.grants > this.seen.grants) {
      this.grants.clear();
      this.seen.grants = counters.grants;
    }
    return counters;
  }

  /** The dataset if `principal` may see it (drafts only in their department), as of `counters`. */
  async dataset(principal: Principal, id: string, counters: Counters): Promise<Dataset | null> {
    const dataset = await this.cached(this.datasets, id, 'catalogue', counters, () => this.source.loadDataset(id));
    return dataset && isVisibleTo(principal, dataset) ? dataset : null;
  }

  /** The caller's grants on the dataset that are in force now, newest first, as of `counters`. */
  async activeGrants(principal: Principal, datasetId: string, counters: Counters): Promise<Grant[]> {
    const key = JSON.stringify([principal.id, principal.department, datasetId]);
    const grants = (await this.cached(this.grants, key, 'grants', counters, () => this.source.loadGrants(principal, datasetId))) ?? [];
    const now = Date.now();
    return grants.filter((g) => g.until.getTime() > now);
  }

  /**
   * The copy under `key`, or what `load` reads. A copy is used, and a value read is kept, only
   * while the counter the read goes by is the newest seen: a read that raced a change never
   * leaves a stale copy behind. Absent values (null) are not kept, so unknown ids cannot crowd
   * out real entries.
   */
  private async cached<T>(map: Map<string, Entry<T>>, key: string, counter: CounterName, counters: Counters, load: () => Promise<T | null>): Promise<T | null> {
    const current = () => counters[counter] === this.seen[counter];
    const entry = map.get(key);
    if (entry && current() && Date.now() - entry.at < MAX_AGE_MS) return entry.value;
    const at = Date.now();
    const value = await load();
    if (value !== null && current()) {
      map.delete(key);
      if (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value!);
      map.set(key, { value, at });
    }
    return value;
  }
}
