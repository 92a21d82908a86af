import type { Collection, Db } from 'mongodb';

/**
 * What a counter counts: `catalogue` moves on every dataset write (metadata, classification,
 * status), `grants` whenever a grant comes into force or is revoked.
 */
export type CounterName = 'catalogue' | 'grants';
export type Counters = Record<CounterName, number>;

const NAMES: CounterName[] = ['catalogue', 'grants'];
const noop = () => undefined;

/**
 * Change counters in MongoDB (`catalogue_meta`), shared by every gateway process on one
 * catalogue. A writer bumps its counter after the write and before it answers, so a process
 * that reads the counters after that answer knows its copies of what changed are stale: this is
 * how the search index and the read path's metadata cache see other replicas' writes.
 */
export class ChangeCounters {
  private readonly meta: Collection<{ _id: string; changes: number }>;
  private inFlight: Promise<Counters> | null = null;
  private queued: Promise<Counters> | null = null;

  constructor(db: Db) {
    this.meta = db.collection('catalogue_meta');
  }

  async bump(name: CounterName): Promise<void> {
    await this.meta.updateOne({ _id: name }, { $inc: { changes: 1 } }, { upsert: true });
  }

  /** One counter, read now. */
  async readOne(name: CounterName): Promise<number> {
    return (await this.meta.findOne({ _id: name }))?.changes ?? 0;
  }

  /**
   * Both counters as they are at some moment after this call: never an answer sent before the
   * call was made, so a change acknowledged before the call is always seen. Concurrent callers
   * share one round trip: who arrives while one is in flight waits for the next, which starts as
   * soon as that one is back.
   */
  readFresh(): Promise<Counters> {
    // The round trip goes out once the current turn of the event loop is over, so reads arriving
    // in the same turn (requests parsed together) share it too; all of them began before it.
    const after = this.inFlight ? this.inFlight.then(noop, noop) : new Promise<void>((resolve) => setImmediate(resolve));
    this.queued ??= after.then(() => {
      this.queued = null;
      return this.start();
    });
    return this.queued;
  }

  private start(): Promise<Counters> {
    const reading = this.readAll();
    this.inFlight = reading;
    const done = () => {
      if (this.inFlight === reading) this.inFlight = null;
    };
    reading.then(done, done);
    return reading;
  }

  private async readAll(): Promise<Counters> {
    const docs = await this.meta.find({ _id: { $in: NAMES } }).toArray();
    const counters: Counters = { catalogue: 0, grants: 0 };
    for (const doc of docs) {
      if ((doc._id === 'catalogue' || doc._id === 'grants') && typeof doc.changes === 'number') counters[doc._id] = doc.changes;
    }
    return counters;
  }
}
