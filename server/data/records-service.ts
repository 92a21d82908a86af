import { createHash } from 'node:crypto';
import { BrokenCircuitError, circuitBreaker, ConsecutiveBreaker, handleAll, type CircuitBreakerPolicy } from 'cockatiel';
import type { Connector, Row, SortKey } from '../../connectors/contract.js';
import type { SourceCredential } from '../../connectors/credentials.js';
import { compareRows, evaluate, isAfter, operatorsOf, parseWhere, type Predicate } from '../../connectors/filter.js';
import { checkBinding } from '../../connectors/registry.js';
import { hasRole, isAdmin, type Principal } from '../auth/principal.js';
import type { CatalogueService } from '../catalogue/catalogue-service.js';
import { pageSize } from '../catalogue/cursor.js';
import type { Dataset, DatasetHealth } from '../catalogue/dataset.js';
import type { Config } from '../config.js';
import { AppError, badInput, forbidden, notFound, sourceUnavailable } from '../errors.js';
import type { Logger } from '../logger.js';
import { canonicalJson } from '../governance/canonical-json.js';
import type { AccessService } from '../governance/access-service.js';
import type { AuditEntry } from '../governance/audit-log.js';
import { maskValue } from '../governance/masks.js';
import { decideRead, type ReadDecision } from '../governance/policy.js';
import { CursorSeal } from './sealed-cursor.js';
import { driftIssues } from './schema-drift.js';

export interface RecordsArgs {
  dataset: string;
  where?: unknown;
  select?: string[] | null;
  orderBy?: { field: string; direction?: 'ASC' | 'DESC' | null }[] | null;
  first?: number | null;
  after?: string | null;
  purpose?: string | null;
}

export interface RecordConnection {
  /** The fields each node holds, in order. */
  fields: string[];
  edges: { cursor: string; node: Row }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  maskedFields: string[];
}

/**
 * Answers data reads over any connector: checks the request against the dataset and the policy
 * decision, pushes down what the connector declares it can do, evaluates the rest in-process,
 * and turns every source failure or timeout into SOURCE_UNAVAILABLE.
 */
export class RecordsService {
  /** Queries sent to each dataset's source since start, for tests and benchmarks of batching. */
  readonly sourceQueries = new Map<string, number>();
  private readonly connectors = new Map<string, { version: number; source: SourceCredential; connector: Connector; breaker: CircuitBreakerPolicy }>();

  private readonly cursors: CursorSeal;

  constructor(
    private readonly catalogue: CatalogueService,
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly access: AccessService,
    /** Null only when audit is switched off for measurement. */
    private readonly audit: ((entry: AuditEntry) => Promise<unknown>) | null,
  ) {
    this.cursors = new CursorSeal(config.governance.maskSecret);
  }

  private connectorFor(dataset: Dataset): { connector: Connector; breaker: CircuitBreakerPolicy } {
    // Checked on every read against the registry as it is now, not only at registration.
    const verdict = checkBinding(dataset.connector, dataset.department, this.config.sourceCredentials, { catalogueDatabase: this.config.mongoDb });
    if (!verdict.source || !verdict.factory) {
      this.logger.warn({ dataset: dataset.id, faults: verdict.faults }, 'dataset binding refused by the credential registry');
      throw sourceUnavailable(`The source binding of ${dataset.id} is not allowed by the platform's credential registry; its publisher must correct it.`);
    }
    const cached = this.connectors.get(dataset.id);
    if (cached && cached.version === dataset.version && cached.source === verdict.source) return cached;
    if (cached) void cached.connector.close();
    const connector = verdict.factory.create(dataset.connector.options, {
      source: verdict.source,
      fields: dataset.fields,
      keyField: keyFieldOf(dataset),
      timeoutMs: this.config.sourceTimeoutMs,
      maxResponseBytes: this.config.sourceMaxResponseBytes,
    });
    // After repeated failures the source is left alone for a while instead of being hammered.
    const breaker = circuitBreaker(handleAll, {
      halfOpenAfter: this.config.sourceBreaker.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(this.config.sourceBreaker.threshold),
    });
    const entry = { version: dataset.version, source: verdict.source, connector, breaker };
    this.connectors.set(dataset.id, entry);
    return entry;
  }

  async records(principal: Principal, args: RecordsArgs, signal: AbortSignal): Promise<RecordConnection> {
    const dataset = await this.catalogue.get(principal, args.dataset);
    if (!dataset || (dataset.status !== 'PUBLISHED' && dataset.department !== principal.department)) {
      throw notFound(`Dataset ${args.dataset} not found.`);
    }
    const purpose = args.purpose?.trim() || null;
    const decision = await this.decide(principal, dataset, purpose);
    if (!decision.canRead) throw forbidden(decision.reason ?? `You may not read ${dataset.id}.`);
    const visible = new Set(decision.visibleFields);
    const known = new Map(dataset.fields.map((f) => [f.name, f]));

    const select = args.select?.length ? args.select : decision.visibleFields;
    const unknown = select.filter((f) => !known.has(f));
    if (unknown.length) throw badInput('Unknown fields in select.', unknown.map((f) => ({ path: 'select', message: `"${f}" is not a field of ${dataset.id}` })));
    const hidden = select.filter((f) => !visible.has(f));
    if (hidden.length) throw forbidden(`You may not read field(s) ${hidden.join(', ')} of ${dataset.id}.`);

    const where = parseWhere(args.where, dataset.fields);
    const filterFields = fieldsUsedBy(where);
    const guarded = [...filterFields].filter((f) => !visible.has(f) || decision.maskedFields.includes(f));
    if (guarded.length) throw forbidden(`You may not filter on field(s) ${guarded.join(', ')}: you cannot see their values.`);

    const key = keyFieldOf(dataset);
    const orderBy: SortKey[] = [];
    for (const [i, o] of (args.orderBy ?? []).entries()) {
      const field = known.get(o.field);
      if (!field) throw badInput('Unknown sort field.', [{ path: `orderBy.${i}.field`, message: `"${o.field}" is not a field of ${dataset.id}` }]);
      if (!visible.has(o.field) || decision.maskedFields.includes(o.field)) throw forbidden(`You may not sort on ${o.field}: you cannot see its values.`);
      if (field.nullable || !field.required) throw badInput('Unsortable field.', [{ path: `orderBy.${i}.field`, message: `"${o.field}" may be empty; sort on a required field` }]);
      if (o.field !== key) orderBy.push({ field: o.field, direction: o.direction ?? 'ASC' });
    }
    orderBy.push({ field: key, direction: (args.orderBy ?? []).find((o) => o.field === key)?.direction ?? 'ASC' });

    const first = pageSize(args.first, this.config.limits.maxPageSize);
    const after = args.after ? this.cursors.open(args.after) : null;
    if (after && after.length !== orderBy.length) throw badInput('Invalid cursor.', [{ path: 'after', message: 'belongs to another ordering' }]);

    const combined: Predicate | null = decision.rowFilter && where ? { kind: 'and', items: [decision.rowFilter, where] } : (decision.rowFilter ?? where);
    const fetchFields = [...new Set([...select, ...orderBy.map((k) => k.field)])];
    const rows = await this.fetch(dataset, { where: combined, orderBy, after, limit: first + 1, fields: fetchFields }, signal);
    const page = rows.slice(0, first);
    if (decision.grant) await this.access.reserveRows(decision.grant, page.length);
    if (this.audit) {
      const queryHash = createHash('sha256').update(canonicalJson({ dataset: dataset.id, where: args.where ?? null, select, orderBy, after, first })).digest('hex');
      await this.audit({
        actor: principal.id,
        actorDepartment: principal.department,
        action: 'data.read',
        datasetId: dataset.id,
        datasetDepartment: dataset.department,
        fields: select,
        ...(purpose ? { purpose } : {}),
        ...(decision.grant ? { grantId: decision.grant._id } : {}),
        rowCount: page.length,
        queryHash,
      }).catch((error: unknown) => {
        // Fail closed: data whose reading cannot be recorded is not handed out.
        this.logger.error({ err: error, dataset: dataset.id }, 'audit append failed; read refused');
        throw new AppError('SOURCE_UNAVAILABLE', 'The audit trail cannot be written, so no data is returned; try again shortly.');
      });
    }
    const masks = Object.entries(decision.masks).filter(([field]) => select.includes(field));
    return {
      fields: select,
      edges: page.map((row) => {
        const node: Row = Object.fromEntries(select.map((f) => [f, row[f] ?? null]));
        for (const [field, mask] of masks) node[field] = maskValue(node[field], mask, this.config.governance.maskSecret);
        if (masks.length > 0) Object.defineProperty(node, MASKED_FIELDS, { value: new Set(masks.map(([field]) => field)), enumerable: false });
        if (purpose) Object.defineProperty(node, READ_PURPOSE, { value: purpose, enumerable: false });
        const cursors = this.cursors;
        // Sealing costs a cipher per row; it is only done for the edges whose cursor is asked for.
        return {
          get cursor() {
            return cursors.seal(orderBy.map((k) => row[k.field]));
          },
          node,
        };
      }),
      pageInfo: { hasNextPage: rows.length > first, endCursor: page.length ? this.cursors.seal(orderBy.map((k) => page.at(-1)![k.field])) : null },
      maskedFields: decision.maskedFields,
    };
  }

  /** The policy decision for a read; grants are only looked up where they matter. */
  private async decide(principal: Principal, dataset: Dataset, purpose: string | null, orLatestGrant = false): Promise<ReadDecision> {
    const needsGrants = principal.department !== dataset.department && dataset.classification !== 'PUBLIC';
    const grants = needsGrants ? await this.access.activeGrants(principal, dataset.id) : [];
    return decideRead(principal, dataset, grants, purpose ?? (orLatestGrant ? (grants[0]?.purpose ?? null) : null));
  }

  /** Dataset.myAccess: the decision a read would get; without a purpose, the one under the caller's newest grant. */
  accessFor(principal: Principal, dataset: Dataset, purpose: string | null): Promise<ReadDecision> {
    return this.decide(principal, dataset, purpose, true);
  }

  /**
   * Every matching row, page after page (keyset cursors of 1,000 rows), with the same checks as
   * `records`. The first page is read before anything is yielded, so a refused request fails
   * before a response has started; memory stays bounded by one page.
   */
  async stream(principal: Principal, args: Omit<RecordsArgs, 'first' | 'after'>, signal: AbortSignal): Promise<{ fields: string[]; rows: AsyncIterable<Row> }> {
    const pageSize = this.config.limits.maxPageSize;
    const first = await this.records(principal, { ...args, first: pageSize }, signal);
    const service = this;
    async function* rows() {
      let page = first;
      for (;;) {
        for (const edge of page.edges) yield edge.node;
        if (!page.pageInfo.hasNextPage || signal.aborted) return;
        page = await service.records(principal, { ...args, first: pageSize, after: page.pageInfo.endCursor }, signal);
      }
    }
    return { fields: first.fields, rows: rows() };
  }

  /** Asks the connector for what it can do and finishes the rest here, within the source timeout. */
  private async fetch(
    dataset: Dataset,
    q: { where: Predicate | null; orderBy: SortKey[]; after: unknown[] | null; limit: number; fields: string[] },
    outer: AbortSignal,
  ): Promise<Row[]> {
    const { connector, breaker } = this.connectorFor(dataset);
    const caps = connector.capabilities;
    const supported = new Set<string>([...(caps.filter?.operators ?? []), ...(caps.filter?.and ? ['and'] : []), ...(caps.filter?.or ? ['or'] : []), ...(caps.filter?.not ? ['not'] : [])]);
    const pushWhere = [...operatorsOf(q.where)].every((op) => supported.has(op));
    const pushPage = pushWhere && caps.orderBy === true && caps.pagination === true;
    const fieldsInfo = new Map(dataset.fields.map((f) => [f.name, f]));
    const fields = caps.projection ? [...new Set([...q.fields, ...fieldsUsedBy(q.where)])] : dataset.fields.map((f) => f.name);

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error('source timeout')), this.config.sourceTimeoutMs);
    const onOuterAbort = () => controller.abort(outer.reason);
    outer.addEventListener('abort', onOuterAbort, { once: true });
    const timedOut = new Promise<never>((_, reject) =>
      controller.signal.addEventListener('abort', () => reject(sourceUnavailable(`The source of ${dataset.id} did not answer within ${this.config.sourceTimeoutMs} ms.`)), { once: true }),
    );
    timedOut.catch(() => undefined);
    const collect = async () => {
      this.sourceQueries.set(dataset.id, (this.sourceQueries.get(dataset.id) ?? 0) + 1);
      const out: Row[] = [];
      const stream = connector.query({
        fields,
        where: pushWhere ? q.where : null,
        orderBy: pushPage ? q.orderBy : [],
        after: pushPage ? q.after : null,
        limit: pushPage ? q.limit : null,
        signal: controller.signal,
      });
      for await (const row of stream) {
        if (!pushWhere && !evaluate(q.where, row, fieldsInfo)) continue;
        if (!pushPage && q.after && !isAfter(row, q.after, q.orderBy)) continue;
        out.push(row);
        if (pushPage && out.length >= q.limit) break;
      }
      if (!pushPage) out.sort((a, b) => compareRows(a, b, q.orderBy));
      return pushPage ? out : out.slice(0, q.limit);
    };
    try {
      return await breaker.execute(() => Promise.race([collect(), timedOut]));
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        throw sourceUnavailable(`The source of ${dataset.id} failed repeatedly; it is not asked again for ${Math.round(this.config.sourceBreaker.halfOpenAfterMs / 1000)} s.`);
      }
      if (error instanceof AppError) throw error;
      this.logger.warn({ dataset: dataset.id, err: error }, 'source query failed');
      throw sourceUnavailable(`The source of ${dataset.id} is unavailable.`);
    } finally {
      clearTimeout(timer);
      outer.removeEventListener('abort', onOuterAbort);
      if (!controller.signal.aborted) controller.abort(new Error('done'));
    }
  }

  /**
   * Asks the source whether it answers and whether its fields still match the record schema,
   * and records the verdict in the catalogue. Never throws for a source fault: that is the verdict.
   */
  async checkHealth(dataset: Dataset): Promise<DatasetHealth> {
    const signal = AbortSignal.timeout(this.config.sourceTimeoutMs);
    const issues: string[] = [];
    try {
      const { connector } = this.connectorFor(dataset);
      const reachable = await connector.health(signal);
      if (!reachable.ok) issues.push(`source unreachable: ${safeReason(reachable.message)}`);
      else issues.push(...driftIssues(dataset.fields, await connector.describe(signal)));
    } catch (error) {
      issues.push(`source unreachable: ${safeReason(error instanceof Error ? error.message : String(error))}`);
    }
    const health: DatasetHealth = { ok: issues.length === 0, checkedAt: new Date(), issues };
    await this.catalogue.recordHealth(dataset.id, health);
    if (!health.ok) this.logger.warn({ dataset: dataset.id, issues }, 'dataset source is not healthy');
    return health;
  }

  async checkHealthFor(principal: Principal, id: string): Promise<DatasetHealth> {
    const dataset = await this.catalogue.get(principal, id);
    if (!dataset) throw notFound(`Dataset ${id} not found.`);
    const mayCheck = isAdmin(principal) || (principal.department === dataset.department && (hasRole(principal, 'publisher') || hasRole(principal, 'steward')));
    if (!mayCheck) throw forbidden(`Only publishers or stewards of ${dataset.department} may check its source.`);
    return this.checkHealth(dataset);
  }

  async close(): Promise<void> {
    await Promise.all([...this.connectors.values()].map((c) => c.connector.close()));
    this.connectors.clear();
  }
}

/** Marks, on a returned row, which of its values are masked (not serialised, not enumerable). */
const MASKED_FIELDS = Symbol('maskedFields');

/** Marks, on a returned row, the purpose it was read for, so links from it are read for the same one. */
const READ_PURPOSE = Symbol('readPurpose');

export const purposeOf = (row: Row): string | null => (row as { [READ_PURPOSE]?: string })[READ_PURPOSE] ?? null;

export const isMasked = (row: Row, field: string): boolean => (row as { [MASKED_FIELDS]?: Set<string> })[MASKED_FIELDS]?.has(field) ?? false;

/** Keeps a source's error message useful without passing on hosts, users or passwords. */
function safeReason(message: string | undefined): string {
  return (message ?? 'no answer')
    .replace(/[a-z+]+:\/\/\S+/gi, '<address>')
    .replace(/\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b/g, '<address>')
    .slice(0, 200);
}

/** The dataset's unique key: `options.keyField`, else its first required field. */
function keyFieldOf(dataset: Dataset): string {
  const declared = dataset.connector.options['keyField'];
  if (typeof declared === 'string' && dataset.fields.some((f) => f.name === declared)) return declared;
  return (dataset.fields.find((f) => f.required && !f.nullable) ?? dataset.fields[0]!).name;
}

function fieldsUsedBy(p: Predicate | null, into = new Set<string>()): Set<string> {
  if (!p) return into;
  if (p.kind === 'cmp') into.add(p.field);
  else if (p.kind === 'not') fieldsUsedBy(p.item, into);
  else p.items.forEach((i) => fieldsUsedBy(i, into));
  return into;
}
