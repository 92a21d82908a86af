import type { Row } from '../../connectors/contract.js';
import type { Principal } from '../auth/principal.js';
import type { CatalogueService } from '../catalogue/catalogue-service.js';
import type { Counters } from '../catalogue/change-counters.js';
import type { Dataset } from '../catalogue/dataset.js';
import type { Config } from '../config.js';
import { notFound, quotaExceeded } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AccessService } from '../governance/access-service.js';
import { maskValue } from '../governance/masks.js';
import { decideRead, type Grant, type ReadDecision } from '../governance/policy.js';
import { CallerSlots } from './caller-slots.js';
import { DataCursors, type CursorScope } from './data-cursor.js';
import type { AuditAppend } from '../audit/audit-entry.js';
import { auditRead } from './read-audit.js';
import { ReadMetadata } from './read-metadata.js';
import { planRead } from './read-plan.js';
import { parseReadRequest, type ReadRequest } from './read-request.js';
import { SourcePool } from './source-pool.js';
import { querySource } from './source-query.js';

export interface RecordConnection {
  /** The fields each node holds, in order. */
  fields: string[];
  edges: { cursor: string; node: Row }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  maskedFields: string[];
  /** The purpose the rows were read for (not part of the API): links from them are read for the same one. */
  purpose: string | null;
  /** The grant the read went under, if any (not part of the API). */
  grant: Grant | null;
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
    const counters = await this.metadata.fresh();
    const dataset = await this.readable(principal, request.dataset, counters);
    const decision = await this.decide(principal, dataset, request.purpose, counters);
    const plan = planRead(dataset, decision, request);
    const scope: CursorScope = { dataset: dataset.id, orderBy: plan.orderBy, principal, grantId: decision.grant?._id ?? null };
    const after = request.after ? this.cursors.open(request.after, scope) : null;
    const pooled = this.sources.get(dataset);
    await this.checkQuota(decision.grant, request.first);

    this.sourceQueries.set(dataset.id, (this.sourceQueries.get(dataset.id) ?? 0) + 1);
    const rows = await querySource(
      pooled,
      dataset,
      { where: plan.where, orderBy: plan.orderBy, after, limit: request.first + 1, fields: plan.fetchFields },
      signal,
      { timeoutMs: this.config.sourceTimeoutMs, halfOpenAfterMs: this.config.sourceBreaker.halfOpenAfterMs },
      this.logger,
      (work, waiting) => this.callerSlots.run(principal, work, waiting),
    );
    const page = rows.slice(0, request.first);
    const hasNextPage = rows.length > request.first;
    // With first: 0 the look-ahead row still tells whether a row exists: that counts as reading one.
    const revealed = page.length > 0 ? page.length : hasNextPage ? 1 : 0;
    if (decision.grant) await this.access.reserveRows(decision.grant, revealed);
    if (this.audit) {
      await auditRead(this.audit, this.logger, { principal, dataset, sourceOwner: pooled.source.owner, request, plan, grant: decision.grant, rowCount: revealed });
    }

    const secret = this.config.governance.maskSecret;
    const cursors = this.cursors;
    const cursorOf = (row: Row) => cursors.seal(plan.orderBy.map((k) => row[k.field]), scope);
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
      grant: decision.grant,
    };
  }

  /**
   * Refuses, before the source is asked, a read that could return more rows than the grant has
   * left today. It depends only on `first`, never on the data, so a refusal tells nothing about
   * what a filter matches. A read of `first: 0` needs one row: its look-ahead may reveal one.
   */
  private async checkQuota(grant: Grant | null, first: number): Promise<void> {
    const remaining = grant ? await this.access.remainingRows(grant) : null;
    if (grant && remaining !== null && Math.max(first, 1) > remaining) {
      throw quotaExceeded(
        remaining === 0
          ? `Grant ${grant._id} allows ${grant.maxRows} rows a day and today's are read; try again tomorrow (UTC).`
          : `Grant ${grant._id} allows ${grant.maxRows} rows a day and ${remaining} remain today; ask for at most ${remaining} (first: ${remaining}).`,
      );
    }
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
   * Every matching row, page after page (keyset cursors of EXPORT_PAGE_ROWS rows), with the same
   * checks as `records`. The first page is read before anything is yielded, so a refused request
   * fails before a response has started; memory stays bounded by two pages (the next is read while one is written).
   */
  async stream(principal: Principal, raw: unknown, signal: AbortSignal): Promise<{ fields: string[]; pages: AsyncIterable<Row[]> }> {
    // Larger than an API page: each page costs a source round trip, a counter read and an audit
    // event, which at 1,000 rows made an export of 100,000 rows take 8 times `psql \copy`.
    const pageSize = this.config.export.pageRows;
    const request = { ...parseReadRequest(raw, { maxPageSize: pageSize, defaultPageSize: pageSize }), first: pageSize };
    const first = await this.read(principal, request, signal);
    const service = this;
    const after = async (page: RecordConnection) => {
      // Under a daily quota the next page asks for no more than is left, so an export stops
      // where the quota does (cut mid-stream) instead of failing a whole page early.
      const remaining = page.grant ? await service.access.remainingRows(page.grant) : null;
      return service.read(principal, { ...request, first: remaining === null ? pageSize : Math.max(1, Math.min(pageSize, remaining)), after: page.pageInfo.endCursor }, signal);
    };
    // Page by page, not row by row: a step of an async iteration per row cost a tenth of an export.
    async function* pages() {
      let page = first;
      for (;;) {
        // The next page is read while this one is written out: two pages in memory at most.
        const next = page.pageInfo.hasNextPage && !signal.aborted ? after(page) : null;
        next?.catch(() => undefined);
        yield page.edges.map((edge) => edge.node);
        if (!next || signal.aborted) return;
        page = await next;
      }
    }
    return { fields: first.fields, pages: pages() };
  }
}
