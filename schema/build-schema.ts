import { createRequire } from 'node:module';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { SafeIntResolver } from 'graphql-scalars';
import type { CatalogueService } from '../server/catalogue/catalogue-service.js';
import type { Dataset, DatasetHealth } from '../server/catalogue/dataset.js';
import type { Logger } from '../server/logger.js';
import { catalogueResolvers } from './catalogue.resolvers.js';
import { catalogueTypeDefs } from './catalogue.graphql.js';
import { buildDataSchema, planDataSchema, type LeftOut } from './data-schema.js';
import { governanceResolvers } from './governance.resolvers.js';
import { governanceTypeDefs } from './governance.graphql.js';
import { recordsResolvers } from './records.resolvers.js';
import { recordsTypeDefs } from './records.graphql.js';

/**
 * graphql ships CommonJS and ES module builds, and refuses a schema made by the other one. The
 * schema is made by @graphql-tools and served by graphql-yoga, which Node loads with the CommonJS
 * build; a test runner may hand this module the other one, so it asks Node for the same build.
 */
const { assertValidSchema } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

const STATIC_TYPE_DEFS = [catalogueTypeDefs, recordsTypeDefs, governanceTypeDefs];

/** The gateway's whole GraphQL schema with a typed part for `datasets`; throws when it is not a valid schema. */
function assemble(datasets: Dataset[]): GraphQLSchema {
  const data = buildDataSchema(datasets);
  const schema = makeExecutableSchema({
    typeDefs: [...STATIC_TYPE_DEFS, data.typeDefs],
    resolvers: [catalogueResolvers, recordsResolvers, governanceResolvers, data.resolvers, { SafeInt: SafeIntResolver }],
  });
  // Some faults (reserved names, for one) are found only when the schema is validated, which
  // graphql-yoga would otherwise do on the first request, failing every one after it.
  assertValidSchema(schema);
  return schema;
}

const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300);

function tryAssemble(datasets: Dataset[]): { schema: GraphQLSchema; error?: never } | { schema?: never; error: unknown } {
  try {
    return { schema: assemble(datasets) };
  } catch (error) {
    return { error };
  }
}

/**
 * The datasets of `set` whose part does not build even alone, found by halving: an offender
 * costs about log2(n) builds instead of one build per dataset.
 */
function offendersIn(set: Dataset[]): LeftOut[] {
  if (set.length === 0) return [];
  const attempt = tryAssemble(set);
  if (attempt.error === undefined) return [];
  if (set.length === 1) return [{ id: set[0]!.id, reason: `its part of the typed schema does not build: ${firstLine(attempt.error)}` }];
  const middle = Math.ceil(set.length / 2);
  return [...offendersIn(set.slice(0, middle)), ...offendersIn(set.slice(middle))];
}

/**
 * The schema for the published datasets, leaving out each dataset that cannot have a typed part
 * (`records` still serves it) rather than failing the whole: names already claimed, or a part
 * that does not build. `broken` remembers, by id and version, parts found not to build alone, so
 * later rebuilds skip the search. Throws only when the static schema itself does not build,
 * which is a defect of the gateway, not of any dataset.
 */
export function buildGatewaySchema(published: Dataset[], broken = new Map<string, string>()): { schema: GraphQLSchema; leftOut: LeftOut[] } {
  const keyOf = (d: Dataset) => `${d.id}@${d.version}`;
  const failed: LeftOut[] = published.flatMap((d) => {
    const reason = broken.get(keyOf(d));
    return reason === undefined ? [] : [{ id: d.id, reason }];
  });
  for (;;) {
    const plan = planDataSchema(
      published.filter((d) => !failed.some((f) => f.id === d.id)),
      STATIC_TYPE_DEFS,
    );
    const whole = tryAssemble(plan.included);
    if (whole.schema) return { schema: whole.schema, leftOut: [...failed, ...plan.leftOut] };
    // Plan again without the offenders: the names they claimed are free for the datasets after them.
    const middle = Math.ceil(plan.included.length / 2);
    const offenders = plan.included.length === 1 ? offendersIn(plan.included) : [...offendersIn(plan.included.slice(0, middle)), ...offendersIn(plan.included.slice(middle))];
    if (offenders.length > 0) {
      const byId = new Map(plan.included.map((d) => [d.id, d]));
      for (const offender of offenders) broken.set(keyOf(byId.get(offender.id)!), offender.reason);
      failed.push(...offenders);
      continue;
    }
    // Each part builds alone but not all together: keep each one that still builds with those kept before it.
    const kept: Dataset[] = [];
    for (const dataset of plan.included) {
      const together = tryAssemble([...kept, dataset]);
      if (together.error === undefined) kept.push(dataset);
      else failed.push({ id: dataset.id, reason: `its part of the typed schema does not build with the others: ${firstLine(together.error)}` });
    }
    return { schema: assemble(kept), leftOut: [...failed, ...plan.leftOut] };
  }
}

/** Prefix of the health issue that says a dataset has no typed part; the source check's issues are kept beside it. */
const LEFT_OUT = 'left out of the typed data schema: ';

export interface LiveSchemaStatus {
  /** False when a published dataset was left out of the typed data schema. */
  ok: boolean;
  leftOut: { id: string; reason: string }[];
}

/**
 * Keeps the schema in step with the catalogue without a restart. Each request asks for the
 * current schema and keeps it to the end, so requests in flight finish on the schema they began
 * with. A rebuild happens only when the set of published datasets or one of their versions
 * changed, here or on another replica (seen through the catalogue's search index refresh).
 * No dataset's content can fail a rebuild: a dataset that cannot have a typed part is left out of
 * `data`, said so in its health and in `status()`.
 */
export class LiveSchema {
  private schema: GraphQLSchema | null = null;
  private signature = '';
  private seenGeneration = -1;
  private rebuilding: Promise<void> | null = null;
  private leftOut: LeftOut[] = [];
  /** Parts found not to build, by dataset id and version; see buildGatewaySchema. */
  private readonly broken = new Map<string, string>();
  /** Datasets whose health this process marked as left out, to clear once they are back or gone. */
  private readonly marked = new Set<string>();

  constructor(
    private readonly catalogue: CatalogueService,
    private readonly maxDatasets: number,
    private readonly logger: Logger,
  ) {}

  async current(): Promise<GraphQLSchema> {
    await this.catalogue.searchIndex.refreshIfStale();
    const generation = this.catalogue.searchIndex.generation;
    if (generation !== this.seenGeneration || !this.schema) {
      this.rebuilding ??= this.rebuild(generation)
        .catch((error: unknown) => {
          // Until the catalogue answers again, serve the schema already built; the next request retries.
          if (!this.schema) throw error;
          this.logger.error({ err: error }, 'typed data schema not rebuilt; serving the previous one');
        })
        .finally(() => {
          this.rebuilding = null;
        });
      await this.rebuilding;
    }
    return this.schema!;
  }

  status(): LiveSchemaStatus {
    return { ok: this.leftOut.length === 0, leftOut: this.leftOut.map((l) => ({ ...l })) };
  }

  private async rebuild(generation: number): Promise<void> {
    // A GraphQL schema with a type per dataset does not scale to a catalogue of many thousands:
    // past the cap, the typed schema keeps the first datasets by id and `records` serves all.
    const { datasets: published, unreadable } = await this.listPublished(this.maxDatasets + 1);
    if (published.length + unreadable.length > this.maxDatasets) {
      published.length = Math.max(0, this.maxDatasets - unreadable.length);
      this.logger.warn({ max: this.maxDatasets }, 'more published datasets than DATA_SCHEMA_MAX_DATASETS: the typed data schema holds the first ones by id; records serves them all');
    }
    const signature = [...published.map((d) => `${d.id}@${d.version}`), ...unreadable.map((u) => `${u.id}!`)].join(',');
    if (signature !== this.signature || !this.schema) {
      const current = new Set(published.map((d) => `${d.id}@${d.version}`));
      for (const key of this.broken.keys()) if (!current.has(key)) this.broken.delete(key);
      const built = buildGatewaySchema(published, this.broken);
      const leftOut = [...unreadable, ...built.leftOut].sort((a, b) => (a.id < b.id ? -1 : 1));
      const before = new Map(this.leftOut.map((l) => [l.id, l.reason]));
      for (const l of leftOut) {
        if (before.get(l.id) !== l.reason) this.logger.warn({ dataset: l.id, reason: l.reason }, 'dataset left out of the typed data schema; records still serves it');
      }
      this.schema = built.schema;
      this.leftOut = leftOut;
      this.signature = signature;
    }
    this.seenGeneration = generation;
    await this.reportHealth(published).catch((error: unknown) => this.logger.warn({ err: error }, 'could not record typed-schema health of datasets'));
  }

  /**
   * Published datasets in id order. A catalogue entry that cannot even be read (written around
   * the API) is reported as left out instead of failing the rebuild, and so the start.
   */
  private async listPublished(limit: number): Promise<{ datasets: Dataset[]; unreadable: LeftOut[] }> {
    try {
      return { datasets: await this.catalogue.listPublishedUnchecked(limit), unreadable: [] };
    } catch (error) {
      this.logger.warn({ err: error }, 'published datasets could not be listed at once; reading them one by one');
    }
    const ids = await this.catalogue.datasets.find({ status: 'PUBLISHED' }, { projection: { _id: 1 }, sort: { _id: 1 }, limit }).toArray();
    const datasets: Dataset[] = [];
    const unreadable: LeftOut[] = [];
    for (const { _id: id } of ids) {
      try {
        const dataset = await this.catalogue.getUnchecked(id);
        if (dataset?.status === 'PUBLISHED') datasets.push(dataset);
      } catch (error) {
        unreadable.push({ id, reason: `its catalogue entry cannot be read: ${firstLine(error)}` });
      }
    }
    return { datasets, unreadable };
  }

  /**
   * Says in each dataset's health whether it is left out, keeping the source check's issues. The
   * source check rewrites health on its own, so this runs on every rebuild, not only on a change.
   */
  private async reportHealth(published: Dataset[]): Promise<void> {
    const reasons = new Map(this.leftOut.map((l) => [l.id, l.reason]));
    const byId = new Map(published.map((d) => [d.id, d]));
    const ids = new Set([...reasons.keys(), ...published.filter((d) => Array.isArray(d.health?.issues) && d.health.issues.some((i) => i.startsWith(LEFT_OUT))).map((d) => d.id), ...this.marked]);
    for (const id of ids) {
      const current = byId.has(id) ? byId.get(id)!.health : (await this.catalogue.getUnchecked(id).catch(() => null))?.health;
      const stored = Array.isArray(current?.issues) ? current.issues : [];
      const others = stored.filter((i) => !i.startsWith(LEFT_OUT));
      const reason = reasons.get(id);
      const issues = reason === undefined ? others : [...others, `${LEFT_OUT}${reason}`];
      if (current && issues.length === stored.length && issues.every((issue, i) => issue === stored[i])) {
        if (reason === undefined) this.marked.delete(id);
        continue;
      }
      if (!current && reason === undefined) continue;
      // Clearing the mark restores the source check's verdict as far as it is known.
      const health: DatasetHealth = { ok: reason === undefined && (others.length === 0 || (current?.ok ?? true)), checkedAt: new Date(), issues };
      await this.catalogue.recordHealth(id, health);
      if (reason === undefined) this.marked.delete(id);
      else this.marked.add(id);
    }
  }
}
