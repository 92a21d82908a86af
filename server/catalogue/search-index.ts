import type { Collection } from 'mongodb';
import type { DatasetStatus } from './dataset.js';

/** What the index keeps of a dataset: only what search, ranking, filters and facets need. */
export interface IndexedDataset {
  _id: string;
  department: string;
  status: DatasetStatus;
  classification: string;
  themes: string[];
  updatedAt: Date;
  search: { title: string[]; all: string[]; keywords: string[] };
}

/** Each list ORs its values; lists AND with each other. */
export interface SearchFilter {
  departments?: string[] | null;
  themes?: string[] | null;
  classifications?: string[] | null;
  statuses?: string[] | null;
  keywords?: string[] | null;
}

export interface IndexQuery extends SearchFilter {
  words: string[];
  /** Decides per dataset whether the caller may see it (drafts of other departments are hidden). */
  visible: (d: IndexedDataset) => boolean;
}

export interface IndexHit {
  id: string;
  rank: number;
}

export interface IndexResult {
  /** All matches in result order: rank descending, then id ascending. */
  hits: IndexHit[];
  facets: Record<'departments' | 'themes' | 'classifications' | 'statuses', Map<string, number>>;
}

const RECENT_QUERIES = 500;

/** Clock skew between gateway replicas that the incremental refresh tolerates. */
const REFRESH_OVERLAP_MS = 60_000;

/**
 * An in-process inverted index of catalogue metadata. Search is the hottest catalogue read and
 * MongoDB without `$text` (as on mongo-java-server) would scan every dataset per request; this
 * index answers from memory and MongoDB is asked only for the page of datasets returned.
 *
 * MongoDB stays the source of truth: the index is rebuilt from it at start and refreshed
 * incrementally (by `updatedAt`, with an overlap for clock skew) when the catalogue's change
 * counter moves, so every replica converges within `maxStalenessMs`; a replica's own writes are
 * applied at once.
 */
export class CatalogueSearchIndex {
  private entries: (IndexedDataset | undefined)[] = [];
  private readonly docNoById = new Map<string, number>();
  private readonly postings = new Map<string, number[]>();
  /** Live doc numbers in id order, rebuilt lazily after a change. */
  private idOrder: number[] | null = null;
  private positionOf = new Int32Array(0);
  private seenCounter = -1;
  private watermark = new Date(0);
  private lastCheck = 0;
  private refreshing: Promise<void> | null = null;
  /** Moves on every change applied, so others (the live schema) can tell the catalogue changed. */
  generation = 0;
  /** Results of recent queries; emptied on every change, so it never serves a stale answer. */
  private readonly recent = new Map<string, IndexResult>();

  constructor(
    private readonly datasets: Collection<IndexedDataset>,
    private readonly readCounter: () => Promise<number>,
    private readonly maxStalenessMs = 1000,
  ) {}

  get size(): number {
    return this.docNoById.size;
  }

  /** The updatedAt (ms) of the version of a dataset the index holds, or undefined. */
  updatedAtOf(id: string): number | undefined {
    const docNo = this.docNoById.get(id);
    return docNo === undefined ? undefined : this.entries[docNo]?.updatedAt.getTime();
  }

  /** Applies one dataset as stored (after a write by this process, or from a refresh). */
  apply(doc: IndexedDataset): void {
    const old = this.docNoById.get(doc._id);
    if (old !== undefined) {
      const previous = this.entries[old];
      if (previous && previous.updatedAt.getTime() > doc.updatedAt.getTime()) return;
      this.entries[old] = undefined;
    }
    const docNo = this.entries.length;
    this.entries.push({
      _id: doc._id,
      department: doc.department,
      status: doc.status,
      classification: doc.classification,
      themes: doc.themes,
      updatedAt: doc.updatedAt,
      search: doc.search,
    });
    this.docNoById.set(doc._id, docNo);
    for (const token of doc.search.all) {
      const list = this.postings.get(token);
      if (list) list.push(docNo);
      else this.postings.set(token, [docNo]);
    }
    this.idOrder = null;
    this.recent.clear();
    this.generation++;
  }

  /** Brings the index up to date if the catalogue changed since the last check. */
  async refreshIfStale(force = false): Promise<void> {
    if (!force && Date.now() - this.lastCheck < this.maxStalenessMs) return;
    this.refreshing ??= this.refresh(force).finally(() => {
      this.refreshing = null;
    });
    await this.refreshing;
  }

  private async refresh(force: boolean): Promise<void> {
    const started = new Date();
    const counter = await this.readCounter();
    if (counter !== this.seenCounter || force) {
      const since = new Date(this.watermark.getTime() - REFRESH_OVERLAP_MS);
      const cursor = this.datasets.find(this.seenCounter < 0 ? {} : { updatedAt: { $gte: since } }, {
        projection: { _id: 1, department: 1, status: 1, classification: 1, themes: 1, updatedAt: 1, search: 1 },
      });
      for await (const doc of cursor) this.apply(doc);
      this.seenCounter = counter;
      this.watermark = started;
    }
    this.lastCheck = Date.now();
  }

  /**
   * Answers a query. `cacheKey` must identify the query and everything `visible` depends on;
   * paging through one result and popular searches are then answered without recomputation.
   */
  query(q: IndexQuery, cacheKey?: string): IndexResult {
    const cached = cacheKey === undefined ? undefined : this.recent.get(cacheKey);
    if (cached) return cached;
    const result = this.compute(q);
    if (cacheKey !== undefined) {
      if (this.recent.size >= RECENT_QUERIES) this.recent.delete(this.recent.keys().next().value!);
      this.recent.set(cacheKey, result);
    }
    return result;
  }

  private compute(q: IndexQuery): IndexResult {
    const facets: IndexResult['facets'] = { departments: new Map(), themes: new Map(), classifications: new Map(), statuses: new Map() };
    const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
    const departments = q.departments?.length ? new Set(q.departments) : null;
    const themes = q.themes?.length ? new Set(q.themes) : null;
    const classifications = q.classifications?.length ? new Set(q.classifications) : null;
    const statuses = q.statuses?.length ? new Set(q.statuses) : null;
    const keywords = q.keywords?.length ? new Set(q.keywords) : null;

    const hits: { docNo: number; rank: number }[] = [];
    for (const docNo of this.candidates(q.words)) {
      const d = this.entries[docNo];
      if (!d || !q.visible(d)) continue;
      if (departments && !departments.has(d.department)) continue;
      if (classifications && !classifications.has(d.classification)) continue;
      if (statuses && !statuses.has(d.status)) continue;
      if (themes && !d.themes.some((t) => themes.has(t))) continue;
      if (keywords && !d.search.keywords.some((k) => keywords.has(k))) continue;
      const rank = q.words.length === 0 ? 0 : q.words.filter((w) => d.search.title.includes(w)).length;
      hits.push({ docNo, rank });
      bump(facets.departments, d.department);
      bump(facets.classifications, d.classification);
      bump(facets.statuses, d.status);
      for (const t of d.themes) bump(facets.themes, t);
    }
    const position = this.positions();
    if (q.words.length > 0) hits.sort((a, b) => b.rank - a.rank || position[a.docNo]! - position[b.docNo]!);
    return { hits: hits.map((h) => ({ id: this.entries[h.docNo]!._id, rank: h.rank })), facets };
  }

  /** Doc numbers holding every word (intersection of sorted posting lists), or all in id order. */
  private candidates(words: string[]): Iterable<number> {
    if (words.length === 0) {
      this.positions();
      return this.idOrder!;
    }
    const lists = words.map((w) => this.postings.get(w) ?? []).sort((a, b) => a.length - b.length);
    const [smallest, ...rest] = lists;
    return (smallest ?? []).filter((docNo) => rest.every((list) => includesSorted(list, docNo)));
  }

  private positions(): Int32Array {
    if (!this.idOrder) {
      const live = [...this.docNoById.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      this.idOrder = live.map(([, docNo]) => docNo);
      this.positionOf = new Int32Array(this.entries.length);
      this.idOrder.forEach((docNo, i) => (this.positionOf[docNo] = i));
    }
    return this.positionOf;
  }
}

function includesSorted(list: number[], value: number): boolean {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = list[mid]!;
    if (v === value) return true;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
