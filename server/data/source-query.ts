import { BrokenCircuitError } from 'cockatiel';
import { splitPredicate } from '../../connectors/capabilities.js';
import type { LinesPage, LinesQuery, Row, SortKey } from '../../connectors/contract.js';
import { NotSupported, StatementRefused, UnreadableValue } from '../../connectors/errors.js';
import { compareRows, evaluate, isAfter, type Predicate } from '../../connectors/filter.js';
import type { Dataset } from '../catalogue/dataset.js';
import { sourceUnavailable, toAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { fieldsUsedBy } from './read-plan.js';
import { SourceFault, type PooledSource } from './source-pool.js';

export interface SourceQuery {
  where: Predicate | null;
  orderBy: SortKey[];
  after: unknown[] | null;
  limit: number;
  fields: string[];
}

/** How long a source may take, and how long its breaker stays open once tripped. */
export interface SourceQueryLimits {
  timeoutMs: number;
  halfOpenAfterMs: number;
}

/** The quick probe that tells a slow query from a slow source. */
const PROBE_TIMEOUT_MS = 1000;

/** Runs a query's source work in one of its caller's slots (CallerSlots), held until that work has ended. */
export type InCallerSlot = <T>(work: () => Promise<T>, signal: AbortSignal) => Promise<T>;

/**
 * Asks the connector for what it declares it can do and finishes the rest in-process, within the
 * source timeout: the parts of the filter it supports go to it (splitPredicate), the residue is
 * evaluated here, and order and paging go to it only when the whole filter did (atSource says
 * how failures are sorted).
 */
export async function querySource(pooled: PooledSource, dataset: Pick<Dataset, 'id' | 'fields'>, q: SourceQuery, outer: AbortSignal, limits: SourceQueryLimits, logger: Logger, inCallerSlot: InCallerSlot): Promise<Row[]> {
  const { connector } = pooled;
  const caps = connector.capabilities;
  const { pushed, residue } = splitPredicate(q.where, caps);
  // The source orders and starts after the cursor whenever it can; only the limit needs the whole
  // predicate pushed, since the residue may drop rows the source would have counted.
  const pushOrder = caps.orderBy === true;
  const pushAfter = pushOrder && caps.pagination === true;
  const pushLimit = pushAfter && residue === null;
  const fieldsInfo = new Map(dataset.fields.map((f) => [f.name, f]));
  const fields = caps.projection ? [...new Set([...q.fields, ...fieldsUsedBy(residue)])] : dataset.fields.map((f) => f.name);

  const collect = async (signal: AbortSignal): Promise<Row[]> => {
    let out: Row[] = [];
    const rows = connector.query({
      fields,
      where: pushed,
      orderBy: pushOrder ? q.orderBy : [],
      after: pushAfter ? q.after : null,
      limit: pushLimit ? q.limit : null,
      signal,
    });
    const order = (a: Row, b: Row) => compareRows(a, b, q.orderBy);
    /** Keeps the row if it matches; false once the page is full. */
    const take = (row: Row): boolean => {
      if (residue && !evaluate(residue, row, fieldsInfo)) return true;
      if (!pushAfter && q.after && !isAfter(row, q.after, q.orderBy)) return true;
      out.push(row);
      // In source order the first `limit` rows are the page; otherwise only the best `limit` are kept, so memory stays one page.
      if (pushOrder && out.length >= q.limit) return false;
      if (!pushOrder && out.length >= 2 * q.limit + 1000) out = out.sort(order).slice(0, q.limit);
      return true;
    };
    if (Symbol.asyncIterator in rows) {
      for await (const row of rows) if (!take(row)) break;
    } else {
      for (const row of await rows) if (!take(row)) break;
    }
    return pushOrder ? out : out.sort(order).slice(0, q.limit);
  };
  return atSource(pooled, dataset.id, outer, limits, logger, inCallerSlot, collect);
}

/** An export page as lines: the connector's request, with the whole filter (the part it takes is split off here). */
export type LinesSourceQuery = Omit<LinesQuery, 'signal'>;

/**
 * The page from the connector's bulk path (Connector.queryLines), under the same timeout,
 * slots, breaker and classification as querySource; null when the connector has none or cannot
 * take the whole request (a residue to evaluate here), so the caller reads it row by row.
 */
export async function queryLinesSource(pooled: PooledSource, dataset: Pick<Dataset, 'id'>, q: LinesSourceQuery, outer: AbortSignal, limits: SourceQueryLimits, logger: Logger, inCallerSlot: InCallerSlot): Promise<LinesPage | null> {
  const { connector } = pooled;
  const caps = connector.capabilities;
  if (!connector.queryLines || caps.orderBy !== true || caps.pagination !== true) return null;
  const { pushed, residue } = splitPredicate(q.where, caps);
  if (residue) return null;
  const bulk = connector.queryLines.bind(connector);
  return atSource(pooled, dataset.id, outer, limits, logger, inCallerSlot, (signal) =>
    bulk({ format: q.format, members: q.members, transforms: q.transforms, where: pushed, orderBy: q.orderBy, after: q.after, limit: q.limit, signal }),
  );
}

/**
 * Runs a connector's work within the source timeout and in one of the caller's slots, behind
 * the source's breaker. Failures are sorted at the root: the client going away or a value the
 * source refuses is the client's; a value the source holds that cannot be read, or a statement its
 * schema refuses, fails this read alone; a request the connector does not support is the engine's
 * defect (logged and masked at the edge); a timeout is the source's only if the source then also
 * fails a quick probe (a query slowed by its own filter does not open the breaker for everyone);
 * anything else the connector throws is the source's.
 */
async function atSource<T>(pooled: PooledSource, datasetId: string, outer: AbortSignal, limits: SourceQueryLimits, logger: Logger, inCallerSlot: InCallerSlot, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  // The source's clock starts when the caller's slot is granted: time spent waiting behind the
  // caller's own queries is nothing the source did. Waiting ends with the operation's deadline.
  const startClock = () => {
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('source timeout'));
    }, limits.timeoutMs);
  };
  const onOuterAbort = () => controller.abort(outer.reason);
  if (outer.aborted) onOuterAbort();
  else outer.addEventListener('abort', onOuterAbort, { once: true });
  // A connector that ignores its signal must not hold the request past the timeout.
  const aborted = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true }));
  aborted.catch(() => undefined);

  // Once the connector's work has ended there is nothing to stop: aborting then would only build and dispatch an event.
  let workEnded = false;
  const ended = () => {
    workEnded = true;
  };

  const classified = async (): Promise<T> => {
    try {
      // The caller's slot is held until the connector's work has ended, even once this read
      // has given up on it: a source that ignores cancel is still busy with it.
      const slot = inCallerSlot(() => {
        startClock();
        const running = work(controller.signal);
        running.then(ended, ended);
        return running;
      }, controller.signal);
      slot.catch(() => undefined);
      return await Promise.race([slot, aborted]);
    } catch (error) {
      // Neither is the source's fault, so neither counts toward its breaker. Nor is a value the
      // source holds but the record schema cannot: the source answered, and a reader asking for
      // that row again and again would otherwise open the breaker for everyone.
      if (error instanceof UnreadableValue) logger.warn({ dataset: datasetId, err: error, field: error.field }, 'the source holds a value its record schema cannot hold');
      if (error instanceof StatementRefused) logger.warn({ dataset: datasetId, sqlState: error.sqlState }, 'the source refused a statement: its schema does not match the record schema');
      const known = toAppError(error);
      if (known) throw known;
      if (error instanceof NotSupported) throw error;
      if (outer.aborted && !timedOut) throw new ClientGone();
      if (timedOut && (await probe(pooled))) throw new SlowQuery();
      throw new SourceFault(error);
    }
  };

  try {
    return await pooled.breaker.execute(classified);
  } catch (error) {
    if (error instanceof BrokenCircuitError) {
      throw sourceUnavailable(`The source of ${datasetId} failed repeatedly; it is not asked again for ${Math.round(limits.halfOpenAfterMs / 1000)} s.`);
    }
    if (error instanceof SlowQuery) throw sourceUnavailable(`The source of ${datasetId} did not answer this request within ${limits.timeoutMs} ms; narrow the filter or ask for fewer rows.`);
    if (error instanceof ClientGone) throw sourceUnavailable('The request was cancelled.');
    if (error instanceof SourceFault) {
      logger.warn({ dataset: datasetId, err: error.cause, timedOut }, 'source query failed');
      throw sourceUnavailable(timedOut ? `The source of ${datasetId} did not answer within ${limits.timeoutMs} ms.` : `The source of ${datasetId} is unavailable.`);
    }
    throw error;
  } finally {
    clearTimeout(timer);
    outer.removeEventListener('abort', onOuterAbort);
    if (!workEnded && !controller.signal.aborted) controller.abort(new Error('done'));
  }
}

/** Whether the source answers its cheapest request within the probe timeout, whether or not the connector honours its signal. */
async function probe(pooled: PooledSource): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([pooled.connector.health(AbortSignal.timeout(PROBE_TIMEOUT_MS)).then((h) => h.ok), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The client went away or its operation deadline passed: nothing the source did. */
class ClientGone extends Error {}

/** The query took too long while the source itself answers: the request's weight, not a fault. */
class SlowQuery extends Error {}
