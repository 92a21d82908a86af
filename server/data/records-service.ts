import { exactSortOf, type Row } from '../../connectors/contract.js';
import { rowsAsLines, type LineFormat } from '../../connectors/lines.js';
import type { Principal } from '../auth/principal.js';
import type { CatalogueService } from '../catalogue/catalogue-service.js';
import type { Counters } from '../catalogue/change-counters.js';
import type { Dataset } from '../catalogue/dataset.js';
import type { Config } from '../config.js';
import { notFound, quotaExceeded, sourceUnavailable } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AccessService } from '../governance/access-service.js';
import { maskValue } from '../governance/masks.js';
import { decideRead, type Grant, type ReadDecision } from '../governance/policy.js';
import { CallerSlots } from './caller-slots.js';
import { DataCursors, type CursorScope } from './data-cursor.js';
import type { AuditAppend } from '../audit/audit-entry.js';
import { auditRead } from './read-audit.js';
import { ReadMetadata } from './read-metadata.js';
import { planRead, type ReadPlan } from './read-plan.js';
import { parseReadRequest, type ReadRequest } from './read-request.js';
import type { PooledSource, SourcePool } from './source-pool.js';
import { queryLinesSource, querySource, type InCallerSlot } from './source-query.js';

export interface RecordConnection {
  /** The fields each node holds, in order. */
  fields: string[];
  edges: { cursor: string; node: Row }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  maskedFields: string[];
  /** The purpose the rows were read for (not part of the API): links from them are read for the same one. */
  purpose: string | null;
  /** The last row's sort values, where the next page starts (not part of the API). */
  position: unknown[] | null;
}

/**
 * Answers data reads over any connector. Each read goes through the same steps, each in its own
 * module: the arguments are parsed into one typed request (read-request), the policy decides
 * (governance/policy) and the read is planned against it (read-plan), the source is asked for
 * what its connector can do (source-query, over source-pool), the rows are counted against the
 * grant's quota, audited (read-audit, fail closed), masked, and paged with sealed cursors
 * (data-cursor).
 */
export class RecordsService {
  /** Queries sent to each dataset's source since start, for tests and benchmarks of batching. */
  readonly sourceQueries = new Map<string, number>();
  /** Export pages each dataset's connector wrote itself (the bulk path), for tests and benchmarks. */
  readonly bulkPages = new Map<string, number>();
  private readonly cursors: DataCursors;
  private readonly callerSlots: CallerSlots;
  private readonly metadata: ReadMetadata;

  constructor(
    private readonly catalogue: CatalogueService,
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly access: AccessService,
    private readonly sources: SourcePool,
    /** Null only when audit is switched off for measurement. */
    private readonly audit: AuditAppend | null,
  ) {
    this.cursors = new DataCursors(config.governance.cursorSecret);
    this.callerSlots = new CallerSlots(config.callerQueries);
    this.metadata = new ReadMetadata({ counters: catalogue.counters, loadDataset: (id) => catalogue.getUnchecked(id), loadGrants: (p, id) => access.activeGrants(p, id) });
  }

  /** `raw` are the read's arguments as any transport received them; they are checked here first. */
  async records(principal: Principal, raw: unknown, signal: AbortSignal): Promise<RecordConnection> {
    const request = parseReadRequest(raw, { maxPageSize: this.config.limits.maxPageSize, defaultPageSize: 100 });
    return this.read(principal, request, signal);
  }

  private async read(principal: Principal, request: ReadRequest, signal: AbortSignal): Promise<RecordConnection> {
    return this.readRows(principal, await this.prepare(principal, request), signal);
  }

  /**
   * Everything a read decides before the source is asked: the dataset, the policy, the plan, the
   * cursor, the quota. An export page (`fitToQuota`) asks for no more rows than the grant has
   * left today, so an export stops where the quota does; a `records` read asking for more is refused.
   */
  private async prepare(principal: Principal, asked: ReadRequest, fitToQuota = false): Promise<PreparedRead> {
    const counters = await this.metadata.fresh();
    const dataset = await this.readable(principal, asked.dataset, counters);
    const decision = await this.decide(principal, dataset, asked.purpose, counters);
    const plan = planRead(dataset, decision, asked);
    const scope: CursorScope = { dataset: dataset.id, orderBy: plan.orderBy, principal, grantId: decision.grant?._id ?? null };
    const after = asked.after ? this.cursors.open(asked.after, scope) : null;
    const pooled = this.sources.get(dataset);
    const request = { ...asked, first: await this.allowedFirst(decision.grant, asked.first, fitToQuota) };
    this.sourceQueries.set(dataset.id, (this.sourceQueries.get(dataset.id) ?? 0) + 1);
    return { request, dataset, decision, plan, scope, after, pooled };
  }

  private async readRows(principal: Principal, read: PreparedRead, signal: AbortSignal): Promise<RecordConnection> {
    const { request, dataset, decision, plan, scope, after, pooled } = read;
    const rows = await querySource(pooled, dataset, { where: plan.where, orderBy: plan.orderBy, after, limit: request.first + 1, fields: plan.fetchFields }, signal, this.limits, this.logger, this.inCallerSlot(principal));
    const page = rows.slice(0, request.first);
    const hasNextPage = rows.length > request.first;
    await this.account(principal, read, revealedBy(page.length, hasNextPage));

    const secret = this.config.governance.maskSecret;
    const cursors = this.cursors;
    // A connector's exact sort values where it attached them: typed ones may be rounded, and a page starting after a rounded key repeats or skips rows.
    const sortValues = (row: Row) => exactSortOf(row) ?? plan.orderBy.map((k) => row[k.field]);
    const cursorOf = (row: Row) => cursors.seal(sortValues(row), scope);
    return {
      fields: plan.select,
      edges: page.map((row) => {
        // A loop, not Object.fromEntries over a map: this runs for every row of every page.
        const node: Row = {};
        for (const f of plan.select) node[f] = row[f] ?? null;
        for (const [field, mask] of plan.masks) node[field] = maskValue(node[field], mask, secret);
        // Sealing costs a cipher per row; it is only done for the edges whose cursor is asked for.
        return {
          get cursor() {
            return cursorOf(row);
          },
          node,
        };
      }),
      pageInfo: {
        hasNextPage,
        // Sealed only if asked for, like the edges' cursors (export asks for it, page after page).
        get endCursor() {
          return page.length ? cursorOf(page.at(-1)!) : null;
        },
      },
      maskedFields: decision.maskedFields,
      purpose: request.purpose,
      position: page.length ? sortValues(page.at(-1)!) : null,
    };
  }

  /**
   * An export page as lines of `format`, from the connector's bulk path where it has one (the
   * lines are what `rowsAsLines` writes for the nodes `records` would give), else row by row.
   */
  private async readLines(principal: Principal, asked: ReadRequest, format: LineFormat, signal: AbortSignal): Promise<ExportPage<Buffer[]>> {
    const read = await this.prepare(principal, asked, true);
    const { plan } = read;
    const secret = this.config.governance.maskSecret;
    const transforms = new Map(plan.masks.map(([field, mask]) => [field, (value: unknown) => maskValue(value, mask, secret)]));
    const q = { format, where: plan.where, orderBy: plan.orderBy, after: read.after, limit: read.request.first, members: plan.select, transforms };
    const page = await queryLinesSource(read.pooled, read.dataset, q, signal, this.limits, this.logger, this.inCallerSlot(principal));
    if (!page) {
      const rows = rowsPage(await this.readRows(principal, read, signal));
      return { ...rows, items: [Buffer.from(rowsAsLines(rows.items, rows.fields, format))] };
    }
    this.bulkPages.set(read.dataset.id, (this.bulkPages.get(read.dataset.id) ?? 0) + 1);
    await this.account(principal, read, revealedBy(page.rows, page.more));
    return { items: page.chunks, fields: plan.select, more: page.more, endCursor: page.more && page.last ? this.cursors.seal(page.last, read.scope) : null, position: page.last };
  }

  /** Counts what a read revealed against its grant, and audits it (fail closed), before any of it leaves. */
  private async account(principal: Principal, read: PreparedRead, revealed: number): Promise<void> {
    const { request, dataset, decision, plan, pooled } = read;
    if (decision.grant) await this.access.reserveRows(decision.grant, revealed);
    if (this.audit) {
      await auditRead(this.audit, this.logger, { principal, dataset, sourceOwner: pooled.source.owner, request, plan, grant: decision.grant, rowCount: revealed });
    }
  }

  private get limits() {
    return { timeoutMs: this.config.sourceTimeoutMs, halfOpenAfterMs: this.config.sourceBreaker.halfOpenAfterMs };
  }

  private inCallerSlot(principal: Principal): InCallerSlot {
    return (work, waiting) => this.callerSlots.run(principal, work, waiting);
  }

  /**
   * The rows a read may ask for under its grant's daily quota: `first`, or what is left when
   * `fit` and less is left. Refuses, before the source is asked, a read that could return more
   * than is left: that depends only on `first`, never on the data, so a refusal tells nothing
   * about what a filter matches. A read of `first: 0` needs one row: its look-ahead may reveal one.
   */
  private async allowedFirst(grant: Grant | null, first: number, fit: boolean): Promise<number> {
    const remaining = grant ? await this.access.remainingRows(grant) : null;
    if (!grant || remaining === null) return first;
    const wanted = fit ? Math.max(1, Math.min(first, remaining)) : first;
    if (Math.max(wanted, 1) > remaining) {
      throw quotaExceeded(
        remaining === 0
          ? `Grant ${grant._id} allows ${grant.maxRows} rows a day and today's are read; try again tomorrow (UTC).`
          : `Grant ${grant._id} allows ${grant.maxRows} rows a day and ${remaining} remain today; ask for at most ${remaining} (first: ${remaining}).`,
      );
    }
    return wanted;
  }

  /** The dataset if the caller may address it; a missing one and a hidden draft get the same answer. */
  private async readable(principal: Principal, id: string, counters: Counters): Promise<Dataset> {
    const dataset = await this.metadata.dataset(principal, id, counters);
    if (!dataset || (dataset.status !== 'PUBLISHED' && dataset.department !== principal.department)) throw notFound(`Dataset ${id} not found.`);
    return dataset;
  }

  /** The policy decision for a read; grants are only looked up where they matter. */
  private async decide(principal: Principal, dataset: Dataset, purpose: string | null, counters: Counters, orLatestGrant = false): Promise<ReadDecision> {
    const needsGrants = principal.department !== dataset.department && dataset.classification !== 'PUBLIC';
    const grants = needsGrants ? await this.metadata.activeGrants(principal, dataset.id, counters) : [];
    return decideRead(principal, dataset, grants, purpose ?? (orLatestGrant ? (grants[0]?.purpose ?? null) : null));
  }

  /** Dataset.myAccess: the decision a read would get; without a purpose, the one under the caller's newest grant. */
  async accessFor(principal: Principal, dataset: Dataset, purpose: string | null): Promise<ReadDecision> {
    return this.decide(principal, dataset, purpose, await this.metadata.fresh(), true);
  }

  /**
   * Every matching row as lines of `format`, page after page (keyset cursors of EXPORT_PAGE_ROWS
   * rows), with the same checks as `records`. The first page is read before anything is yielded,
   * so a refused request fails before a response has started; memory stays bounded by two pages
   * (the next is read while one is written).
   */
  async lines(principal: Principal, raw: unknown, format: LineFormat, signal: AbortSignal): Promise<{ fields: string[]; pages: AsyncIterable<Buffer[]> }> {
    // Larger than an API page: each page costs a source round trip, a counter read and an audit
    // event, which at 1,000 rows made an export of 100,000 rows take 8 times `psql \copy`.
    const pageSize = this.config.export.pageRows;
    const request = { ...parseReadRequest(raw, { maxPageSize: pageSize, defaultPageSize: pageSize }), first: pageSize };
    const readPage = (after: string | null) => this.readLines(principal, { ...request, after }, format, signal);
    const first = await readPage(null);
    // A page that ends where an earlier one did would start the same pages again, for ever: the
    // source's sort values do not come back exactly (a connector's rows rounded them), so the
    // export is stopped rather than loop on the source.
    const seen = new Set<string>();
    const after = async (page: ExportPage<Buffer[]>) => {
      const position = JSON.stringify(page.position);
      if (seen.has(position)) throw sourceUnavailable(`The rows of ${request.dataset} cannot be paged exactly by their sort fields (a value the source rounds); the export was stopped.`);
      seen.add(position);
      return readPage(page.endCursor);
    };
    // Page by page, not row by row: a step of an async iteration per row cost a tenth of an export.
    async function* pages() {
      let page = first;
      for (;;) {
        // The next page is read while this one is written out: two pages in memory at most.
        // Each page fits itself to the grant's quota (prepare), so an export under a quota it
        // outgrows is cut mid-stream where the quota ends rather than failing a whole page early.
        const next = page.more && !signal.aborted ? after(page) : null;
        next?.catch(() => undefined);
        yield page.items;
        if (!next || signal.aborted) return;
        page = await next;
      }
    }
    return { fields: first.fields, pages: pages() };
  }
}

/** What a read decided before asking the source (RecordsService.prepare). */
interface PreparedRead {
  request: ReadRequest;
  dataset: Dataset;
  decision: ReadDecision;
  plan: ReadPlan;
  scope: CursorScope;
  after: unknown[] | null;
  pooled: PooledSource;
}

/** One page of an export, whichever way it was read. */
interface ExportPage<T> {
  items: T;
  fields: string[];
  more: boolean;
  /** Where the next page starts; null when there is none. */
  endCursor: string | null;
  /** The last row's sort values. */
  position: unknown[] | null;
}

function rowsPage(connection: RecordConnection): ExportPage<Row[]> {
  const more = connection.pageInfo.hasNextPage;
  return { items: connection.edges.map((edge) => edge.node), fields: connection.fields, more, endCursor: more ? connection.pageInfo.endCursor : null, position: connection.position };
}

/** Rows a read revealed: with first: 0 the look-ahead row still tells whether a row exists, which counts as reading one. */
const revealedBy = (rows: number, more: boolean) => (rows > 0 ? rows : more ? 1 : 0);
