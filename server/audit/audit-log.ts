import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { BSON, MongoBulkWriteError, MongoServerError, type Collection, type Db, type Filter } from 'mongodb';
import { canonicalJson, canonicalMembers, canonicalObject, type CanonicalMember } from './canonical-json.js';
import { isWellFormedText } from '../well-formed.js';

/** What is recorded of one data read or governance change. */
export interface AuditEntry {
  actor: string;
  actorDepartment: string;
  action: string;
  datasetId?: string;
  /** Department owning the dataset, so its stewards can read the event. */
  datasetDepartment?: string;
  /** Department owning the source a read went through, so its stewards can read the event too. */
  sourceDepartment?: string;
  fields?: string[];
  purpose?: string;
  grantId?: string;
  rowCount?: number;
  queryHash?: string;
  detail?: Record<string, unknown>;
}

export interface AuditEvent extends AuditEntry {
  /** The sequence number; unique, so two appenders can never both write the same link. */
  _id: number;
  at: Date;
  prevHash: string;
  hash: string;
}

/**
 * The outcome of walking the whole chain. Link n is broken when event n is missing, when its
 * `prevHash` is not the stored hash of event n-1 (or the genesis hash), or when its keyed hash
 * does not match its content. A document that is not a link at all (its id is not a sequence
 * number) is reported at the link the walk had reached.
 */
export interface AuditVerification {
  ok: boolean;
  /** Documents read. */
  checked: number;
  firstBrokenSeq: number | null;
  brokenCount: number;
  /** The first MAX_REPORTED broken links, ascending. */
  brokenSeqs: number[];
}

const GENESIS = '0'.repeat(64);
const MAX_BATCH = 500;
/** How long after a lost race this process expects another appender to be active. */
const CONTENDED_FOR_MS = 2000;
/** The pause between batches meanwhile. */
const PACE_MS = 4;
/** How long a batch may keep losing races before its reads are refused. */
const MAX_APPEND_MS = 5000;
const MAX_REPORTED = 100;
/**
 * How long the tip hint may lag behind the events this process appended: moving it after every
 * batch cost MongoDB a command per batch, a tenth of the catalogue's work per read by key.
 */
const TIP_LAG_MS = 200;
/** Events read per round trip when walking to the end of the chain. */
const WALK_PAGE = 200;
/** MongoDB's document limit, less room for the chain fields added to an entry. */
const MAX_ENTRY_BYTES = 16 * 1024 * 1024 - 4096;

interface Tip {
  seq: number;
  hash: string;
}

/**
 * The tamper-evident audit trail: events form a hash chain, each keyed-hashed (HMAC-SHA256 with a
 * platform secret) over its canonical content and the previous event's hash, so an event changed
 * in the database is detected at that event even if its hash field is recomputed.
 *
 * Appending needs no transaction and is safe with several gateway processes: the sequence number
 * is the document id, so of two appenders racing for the same link exactly one insert wins and
 * the other re-reads the end of the chain and tries again. Within a process, events waiting to be
 * written are grouped into one ordered insert (group commit), so concurrent reads do not queue on
 * one round trip each. The `tip` document is only a hint for finding the end quickly.
 */
export class AuditLog {
  readonly events: Collection<AuditEvent>;
  private readonly tip: Collection<{ _id: string; seq: number; hash: string }>;
  private pending: { entry: StoredEntry; resolve: (e: AuditEvent) => void; reject: (e: unknown) => void }[] = [];
  private writing = false;
  /** The last link this process wrote; a guess that a lost insert race corrects. */
  private last: Tip | null = null;
  /** Until when another appender is taken to be active: a race was lost shortly before. */
  private contendedUntil = 0;
  /** The last link the tip hint was moved to by this process, and that move. */
  private tipMoved = 0;
  private tipMoving: Promise<void> = Promise.resolve();
  private tipTimer: NodeJS.Timeout | null = null;

  /** Made once: a key given as a string is imported again on every hash. */
  private readonly key: KeyObject;

  constructor(db: Db, secret: string) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
    this.events = db.collection('audit_events');
    this.tip = db.collection('audit_tip');
  }

  async ensureIndexes(): Promise<void> {
    await this.events.createIndex({ datasetId: 1, _id: -1 }, { name: 'dataset_seq' });
    await this.events.createIndex({ actor: 1, _id: -1 }, { name: 'actor_seq' });
  }

  private hashOf(event: Omit<AuditEvent, 'hash'>): string {
    return this.hmac(canonicalJson(event));
  }

  private hmac(canonical: string): string {
    return createHmac('sha256', this.key).update(canonical).digest('hex');
  }

  /** Resolves once the event is stored; rejects if it could not be, and then nothing was recorded for it. */
  append(entry: AuditEntry): Promise<AuditEvent> {
    let stored: StoredEntry;
    try {
      // Refused here, alone: inside a batch, an entry the store cannot hold would fail its batch-mates too.
      stored = storedEntry(entry);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ entry: stored, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.pending.length > 0) {
        // While another process appends too, each waits a moment between its batches: the other
        // then finds the end still where it read it (instead of both colliding on every batch,
        // and one of them losing for ever), and each batch gathers more events.
        if (Date.now() < this.contendedUntil) await delay(PACE_MS);
        // Otherwise the batch is taken after the I/O the event loop has ready: the answers of
        // other sources read meanwhile bring their events into it. Taken straight after the last
        // insert, batches of reads by key at 50 clients held 8 events instead of 13-14, and
        // MongoDB's cost per command (the driver's and the server's) is most of an append's.
        else await new Promise<void>((resolve) => setImmediate(resolve));
        const batch = this.pending.splice(0, MAX_BATCH);
        try {
          const written = await this.write(batch.map((b) => b.entry));
          batch.forEach((b, i) => b.resolve(written[i]!));
        } catch (error) {
          batch.forEach((b) => b.reject(error));
        }
        // The events are stored: their readers have their answer, and the hint follows shortly.
        this.moveTipSoon();
      }
    } finally {
      this.writing = false;
    }
  }

  /**
   * The end of the chain as far as this process knows: the last link it wrote, else the tip
   * hint. After losing a race (`walk`), forward over events others appended since.
   */
  private async end(walk: boolean): Promise<Tip> {
    // After a lost race the walk starts from the last link this process knows to be stored: one
    // round trip fewer than reading the hint first, which matters while another appender keeps
    // taking the next links (with the hint read first, the loser kept losing).
    let tip: Tip | null = this.last;
    if (!tip) {
      const hint = await this.tip.findOne({ _id: 'tip' });
      tip = hint ? { seq: hint.seq, hash: hint.hash } : { seq: 0, hash: GENESIS };
    }
    if (!walk) return tip;
    // Forward over the events after it, a page per round trip (another appender may have written
    // a whole batch since), as far as they follow each other without a gap.
    let end: Tip = tip;
    for (;;) {
      const next = await this.linksAfter(end, WALK_PAGE);
      for (const event of next) {
        if (event._id !== end.seq + 1) return (this.last = end);
        end = { seq: event._id, hash: event.hash };
      }
      if (next.length < WALK_PAGE) return (this.last = end);
    }
  }

  private async write(entries: StoredEntry[]): Promise<AuditEvent[]> {
    const written: AuditEvent[] = [];
    let remaining = entries;
    // Whether the end this process knows may be behind: at first only if it knows none.
    let walk = false;
    const started = Date.now();
    while (remaining.length > 0) {
      // Bounded by time, not attempts: under two busy appenders one may lose dozens of races in a row.
      if (Date.now() - started > MAX_APPEND_MS) throw new Error('audit chain is too contended to append');
      const tip = await this.end(walk);
      const chain: AuditEvent[] = [];
      let prev = tip;
      const at = new Date();
      const atJson = canonicalJson(at);
      for (const { entry, members } of remaining) {
        // The entry is already as it will be read back (storedEntry), and the chain fields survive
        // BSON unchanged (an integer, a millisecond date, hex): verify() sees what was hashed,
        // canonicalJson of the whole event, made here of the entry's members and the chain's.
        const seq = prev.seq + 1;
        const canonical = canonicalObject([...members, ['_id', canonicalJson(seq)], ['at', atJson], ['prevHash', canonicalJson(prev.hash)]]);
        const event: AuditEvent = { ...entry, _id: seq, at, prevHash: prev.hash, hash: this.hmac(canonical) };
        chain.push(event);
        prev = { seq: event._id, hash: event.hash };
      }
      let inserted = chain.length;
      try {
        await this.events.insertMany(chain, { ordered: true });
        walk = false;
      } catch (error) {
        if (!isDuplicate(error)) throw error;
        // Someone else took a link first; what we inserted before it stands, the rest is redone.
        this.contendedUntil = Date.now() + CONTENDED_FOR_MS;
        const after = await this.afterLostRace(tip, chain);
        inserted = after.inserted;
        walk = after.walk;
      }
      written.push(...chain.slice(0, inserted));
      remaining = remaining.slice(inserted);
      if (!walk && inserted > 0) {
        const last = chain[inserted - 1]!;
        if (last._id > (this.last?.seq ?? 0)) this.last = { seq: last._id, hash: last.hash };
      }
    }
    return written;
  }

  /**
   * After a lost race, one read of the links that follow `tip` tells both how many of `chain`
   * were stored as written (read back rather than taken from the error's count, which some
   * servers, mongo-java-server, report as the whole batch) and where the chain now ends, so the
   * retry needs no further round trip unless more than a page was appended meanwhile.
   */
  private async afterLostRace(tip: Tip, chain: AuditEvent[]): Promise<{ inserted: number; walk: boolean }> {
    // At least the whole batch: what it stored must all be counted, or it would be written twice.
    const count = Math.max(WALK_PAGE, chain.length);
    const next = await this.linksAfter(tip, count);
    const ours = new Map(chain.map((e) => [e._id, e.hash]));
    let inserted = 0;
    let end = tip;
    for (const event of next) {
      if (event._id !== end.seq + 1) break;
      if (inserted === end.seq - tip.seq && ours.get(event._id) === event.hash) inserted++;
      end = { seq: event._id, hash: event.hash };
    }
    this.last = end;
    return { inserted, walk: next.length >= count };
  }

  /**
   * The stored links among the `count` after `from`, by sequence number. Asked by id, not as a
   * range: mongo-java-server scans the whole collection for `_id > n` (130 ms at 150,000
   * events, against 6 ms for the ids), which made two busy gateways stall for seconds.
   */
  private async linksAfter(from: Tip, count: number): Promise<Pick<AuditEvent, '_id' | 'hash'>[]> {
    const ids = Array.from({ length: count }, (_, i) => from.seq + 1 + i);
    const found: Pick<AuditEvent, '_id' | 'hash'>[] = await this.events.find({ _id: { $in: ids } }, { projection: { hash: 1 } }).toArray();
    return found.sort((a, b) => a._id - b._id);
  }

  /**
   * Moves the tip hint to this process's last link now, and stops the timer: called before the
   * database client closes, so a stop never leaves links past the hint, where their deletion
   * would go unnoticed by verify().
   */
  async close(): Promise<void> {
    await this.moveTip();
  }

  /** Moves the tip hint within TIP_LAG_MS, once for however many batches are written meanwhile. */
  private moveTipSoon(): void {
    if (this.tipTimer) return;
    this.tipTimer = setTimeout(() => void this.moveTip(), TIP_LAG_MS);
    // A hint left behind at exit costs the next start a short walk forward, nothing more.
    this.tipTimer.unref();
  }

  /**
   * Moves the tip hint to the last link this process knows, unless it is there already. Not
   * awaited by appenders (the hint is not part of the chain); `verify` makes it move first, and
   * a failed move is made again after the next batch.
   */
  private moveTip(): Promise<void> {
    if (this.tipTimer) clearTimeout(this.tipTimer);
    this.tipTimer = null;
    const last = this.last;
    if (!last || last.seq <= this.tipMoved) return this.tipMoving;
    this.tipMoving = this.tip
      .updateOne({ _id: 'tip', seq: { $lt: last.seq } }, { $set: { seq: last.seq, hash: last.hash } }, { upsert: true })
      .then(
        () => {
          this.tipMoved = Math.max(this.tipMoved, last.seq);
        },
        (error: unknown) => {
          // A lost race on the hint means another appender moved it further.
          if (isDuplicate(error)) this.tipMoved = Math.max(this.tipMoved, last.seq);
        },
      );
    return this.tipMoving;
  }

  /**
   * Walks the whole chain in sequence order, one cursor and constant memory, and reports every
   * broken link. After a break it goes on against the stored hash of the event before, so one
   * tampered event is reported at its own link and tampering further down is still found.
   */
  async verify(): Promise<AuditVerification> {
    // Read before the walk: every link up to the tip was stored before the tip moved there, so
    // events appended while the walk runs are never taken for events deleted from the end. This
    // process's own links are all covered; another process's may lag by TIP_LAG_MS.
    await this.moveTip();
    const tip = await this.tip.findOne({ _id: 'tip' });
    const broken = new BrokenLinks();
    let checked = 0;
    let expected = 1;
    /** The stored hash of link expected-1, unless that link is missing (its absence is the break). */
    let prev: { hash: unknown } | null = { hash: GENESIS };
    for await (const event of this.events.find({}, { sort: { _id: 1 } })) {
      checked++;
      const seq: unknown = event._id;
      if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < expected) {
        broken.add(expected, expected);
        continue;
      }
      if (seq > expected) {
        broken.add(expected, seq - 1);
        prev = null;
      }
      if ((prev !== null && event.prevHash !== prev.hash) || !this.holds(event)) broken.add(seq, seq);
      prev = { hash: event.hash };
      expected = seq + 1;
    }
    // Events deleted from the end leave the tip pointing past the last one.
    const tipSeq: unknown = tip?.seq;
    if (typeof tipSeq === 'number' && Number.isSafeInteger(tipSeq) && tipSeq >= expected) broken.add(expected, tipSeq);
    return { ok: broken.count === 0, checked, firstBrokenSeq: broken.seqs[0] ?? null, brokenCount: broken.count, brokenSeqs: broken.seqs };
  }

  /** Whether a stored event's keyed hash matches its stored content; content that cannot even be hashed does not. */
  private holds(event: AuditEvent): boolean {
    const { hash, ...body } = event;
    try {
      return this.hashOf(body) === hash;
    } catch {
      return false;
    }
  }

  /** Newest first; `before` is the sequence number to page below. */
  async list(filter: Filter<AuditEvent>, first: number, before: number | null): Promise<AuditEvent[]> {
    const query: Filter<AuditEvent> = before === null ? filter : { $and: [filter, { _id: { $lt: before } }] };
    return this.events.find(query, { sort: { _id: -1 }, limit: first }).toArray();
  }
}

function isDuplicate(error: unknown): boolean {
  return (error instanceof MongoServerError || error instanceof MongoBulkWriteError) && error.code === 11000;
}

/**
 * A value as MongoDB stores it and gives it back. BSON strings are UTF-8, so a lone surrogate
 * comes back as U+FFFD; undefined is not stored at all; a document too large is refused. Hashing
 * the in-memory value instead would hash something never stored, and the link would read as
 * broken forever.
 */
function roundTrip(value: object): BSON.Document {
  const bytes = BSON.serialize(value, { ignoreUndefined: true });
  if (bytes.length > MAX_ENTRY_BYTES) throw new Error(`An audit event of ${bytes.length} bytes is larger than the audit trail can store.`);
  return BSON.deserialize(bytes);
}

/** An entry as it will be read back, and its members as they are hashed. */
interface StoredEntry {
  entry: AuditEntry;
  members: CanonicalMember[];
}

/** The chain's own fields: an entry that names one would be hashed as one thing and stored as another. */
const CHAIN_FIELDS = new Set(['_id', 'at', 'prevHash', 'hash']);

/**
 * A copy of `entry` as BSON will give it back, if that is the entry as it is: every member
 * well-formed text without NUL, a safe integer, a boolean or a list of such text (all a read's
 * event holds), and the whole far enough below the size limit even at three bytes per UTF-16
 * unit. Else null, and the entry takes the round trip, which also measures it. The round trip
 * cost as much as the event's hash and canonical form together. A copy, lists too, as the round
 * trip made: the event is inserted later, in its batch, and must hold what was hashed now.
 */
export function storedAsIs<T extends object>(entry: T): T | null {
  const copy = { ...entry };
  let bytes = 5;
  for (const [key, value] of Object.entries(entry)) {
    if (!isWellFormedText(key)) return null;
    bytes += 3 * key.length + 16;
    if (typeof value === 'string') {
      if (!isWellFormedText(value)) return null;
      bytes += 3 * value.length;
    } else if (Array.isArray(value)) {
      const list: string[] = [];
      for (const item of value) {
        if (typeof item !== 'string' || !isWellFormedText(item)) return null;
        bytes += 3 * item.length + 16;
        list.push(item);
      }
      Object.assign(copy, { [key]: list });
    } else if ((typeof value === 'number' && Number.isSafeInteger(value) && !Object.is(value, -0)) || typeof value === 'boolean') {
      // -0 would come back as the integer 0, hence not here.
    } else {
      return null;
    }
  }
  return bytes <= MAX_ENTRY_BYTES ? copy : null;
}

function storedEntry(entry: AuditEntry): StoredEntry {
  const stored = storedAsIs(entry) ?? (roundTrip(entry) as AuditEntry);
  const clash = Object.keys(stored).find((key) => CHAIN_FIELDS.has(key));
  if (clash) throw new Error(`An audit entry may not set the chain field ${clash}.`);
  // What is stored must also hash: fail here, for this entry alone, rather than in the batch.
  return { entry: stored, members: canonicalMembers(stored) };
}

/** Broken links in ascending order: all of them counted, the first MAX_REPORTED named. */
class BrokenLinks {
  count = 0;
  readonly seqs: number[] = [];
  private last = 0;

  /** Links from..to (inclusive) are broken; those already reported are not counted again. */
  add(from: number, to: number): void {
    const start = Math.max(from, this.last + 1);
    if (to < start) return;
    this.count += to - start + 1;
    for (let seq = start; seq <= to && this.seqs.length < MAX_REPORTED; seq++) this.seqs.push(seq);
    this.last = to;
  }
}
