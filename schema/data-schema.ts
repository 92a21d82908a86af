import DataLoader from 'dataloader';
import type { Row } from '../connectors/contract.js';
import type { Dataset } from '../server/catalogue/dataset.js';
import type { FieldInfo } from '../server/catalogue/record-schema.js';
import { isMasked, purposeOf } from '../server/data/records-service.js';
import { AppError, forbidden } from '../server/errors.js';
import type { GatewayContext } from './context.js';

/**
 * The typed `data` part of the schema, generated from the published datasets (API.md "The typed
 * data schema"): one field per dataset on DataQuery, named from its id, returning a connection of
 * a generated record type with a generated `where` input and `orderBy`. Declared links add a field
 * that resolves the linked record under the caller's rights, batched per request.
 */
const fieldNameOf = (id: string) => id.replace(/[^A-Za-z0-9]/g, '_');
const typeNameOf = (id: string) =>
  id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');

const SCALAR: Record<FieldInfo['type'], { type: string; filter: string }> = {
  string: { type: 'String', filter: 'StringFilter' },
  integer: { type: 'SafeInt', filter: 'IntFilter' },
  number: { type: 'Float', filter: 'FloatFilter' },
  boolean: { type: 'Boolean', filter: 'BooleanFilter' },
  date: { type: 'String', filter: 'DateFilter' },
  datetime: { type: 'String', filter: 'DateFilter' },
};

/** Operator inputs shared by every generated `where` type. */
const dataFilterTypeDefs = /* GraphQL */ `
  scalar SafeInt
  input StringFilter { eq: String ne: String in: [String!] nin: [String!] lt: String lte: String gt: String gte: String contains: String startsWith: String isNull: Boolean }
  input IntFilter { eq: SafeInt ne: SafeInt in: [SafeInt!] nin: [SafeInt!] lt: SafeInt lte: SafeInt gt: SafeInt gte: SafeInt isNull: Boolean }
  input FloatFilter { eq: Float ne: Float in: [Float!] nin: [Float!] lt: Float lte: Float gt: Float gte: Float isNull: Boolean }
  input BooleanFilter { eq: Boolean ne: Boolean isNull: Boolean }
  "Dates as YYYY-MM-DD, date-times as ISO 8601."
  input DateFilter { eq: String ne: String in: [String!] nin: [String!] lt: String lte: String gt: String gte: String isNull: Boolean }
`;

const describe = (text: string | undefined) => (text ? `${JSON.stringify(text)}\n` : '');

/** GraphQL input objects carry explicit nulls for absent fields; the portable filter has none. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, withoutNulls(v)]));
  }
  return value;
}

type DataArgs = { where?: unknown; orderBy?: { field: string; direction?: 'ASC' | 'DESC' }[]; first?: number; after?: string; purpose?: string };

/**
 * Per request: one loader per (dataset, field, purpose), so a page of links costs one source
 * query per 1,000 keys. Links are read for the purpose their rows were read for.
 */
function linkLoader(ctx: GatewayContext, dataset: string, field: string, purpose: string | null): DataLoader<unknown, Row | null> {
  const key = `${dataset}|${field}|${purpose ?? ''}`;
  let loader = ctx.loaders.links.get(key);
  if (!loader) {
    loader = new DataLoader<unknown, Row | null, string>(
      async (values) => {
        const page = await ctx.records.records(ctx.principal, { dataset, where: { [field]: { in: [...values] } }, first: values.length, purpose }, ctx.signal);
        const byKey = new Map(page.edges.map((e) => [JSON.stringify(e.node[field]), e.node]));
        return values.map((v) => byKey.get(JSON.stringify(v)) ?? null);
      },
      { maxBatchSize: 1000, cacheKeyFn: (v) => JSON.stringify(v) },
    );
    ctx.loaders.links.set(key, loader);
  }
  return loader;
}

export function buildDataSchema(datasets: Dataset[]): { typeDefs: string; resolvers: Record<string, Record<string, unknown>> } {
  const published = new Map(datasets.map((d) => [d.id, d]));
  const parts: string[] = [dataFilterTypeDefs];
  const queryFields: string[] = [];
  const resolvers: Record<string, Record<string, unknown>> = { DataQuery: {} };

  for (const dataset of datasets) {
    const T = typeNameOf(dataset.id);
    const recordFields = dataset.fields.map((f) => `${describe(f.title)}${f.name}: ${SCALAR[f.type].type}`);
    const linkResolvers: Record<string, unknown> = {};
    for (const link of dataset.links) {
      const target = published.get(link.dataset);
      if (!target || !target.fields.some((f) => f.name === link.targetField)) continue;
      recordFields.push(`${describe(`${target.title} (${link.dataset}) where ${link.targetField} = ${link.field}`)}${link.as}: ${typeNameOf(target.id)}`);
      linkResolvers[link.as] = async (row: Row, _: unknown, ctx: GatewayContext) => {
        const value = row[link.field];
        if (value === null || value === undefined) return null;
        // A masked key would look up the wrong record, or reveal through the target what the mask hides.
        if (isMasked(row, link.field)) {
          if (ctx.loaders.reportedLinkErrors.has(`${link.dataset}|masked`)) return null;
          ctx.loaders.reportedLinkErrors.add(`${link.dataset}|masked`);
          throw forbidden(`The link ${link.as} needs ${link.field} in clear, and you see it masked.`);
        }
        try {
          return await linkLoader(ctx, link.dataset, link.targetField, purposeOf(row)).load(value);
        } catch (error) {
          // The caller may not read the target: say so once per request, not on every row.
          if (!(error instanceof AppError) || ctx.loaders.reportedLinkErrors.has(link.dataset)) return null;
          ctx.loaders.reportedLinkErrors.add(link.dataset);
          throw error;
        }
      };
    }
    parts.push(`
      ${describe(`${dataset.title} — ${dataset.id}`)}type ${T} { ${recordFields.join('\n')} }
      type ${T}Edge { cursor: String! node: ${T}! }
      type ${T}Connection { edges: [${T}Edge!]! pageInfo: PageInfo! maskedFields: [String!]! }
      enum ${T}Field { ${dataset.fields.map((f) => f.name).join(' ')} }
      input ${T}OrderBy { field: ${T}Field! direction: SortDirection = ASC }
      input ${T}Where { and: [${T}Where!] or: [${T}Where!] not: ${T}Where ${dataset.fields.map((f) => `${f.name}: ${SCALAR[f.type].filter}`).join(' ')} }
    `);
    queryFields.push(
      `${describe(dataset.title)}${fieldNameOf(dataset.id)}(where: ${T}Where, orderBy: [${T}OrderBy!], first: Int = 100, after: String, purpose: String): ${T}Connection!`,
    );
    if (Object.keys(linkResolvers).length > 0) resolvers[T] = linkResolvers;
    resolvers['DataQuery']![fieldNameOf(dataset.id)] = (_: unknown, args: DataArgs, ctx: GatewayContext) =>
      ctx.records.records(
        ctx.principal,
        {
          dataset: dataset.id,
          where: withoutNulls(args.where) ?? null,
          orderBy: args.orderBy ?? null,
          first: args.first ?? null,
          after: args.after ?? null,
          purpose: args.purpose ?? null,
        },
        ctx.signal,
      );
  }
  parts.push(`
    "One field per published dataset, named from its id."
    type DataQuery { ${queryFields.length > 0 ? queryFields.join('\n') : '"No dataset is published yet." _empty: Boolean'} }
    extend type Query { data: DataQuery! }
  `);
  resolvers['Query'] = { data: () => ({}) };
  return { typeDefs: parts.join('\n'), resolvers };
}
