import DataLoader from 'dataloader';
import { parse, type GraphQLResolveInfo } from 'graphql';
import type { Row } from '../connectors/contract.js';
import type { Dataset } from '../server/catalogue/dataset.js';
import { fieldNameProblem, type FieldInfo } from '../server/catalogue/record-schema.js';
import type { RecordConnection } from '../server/data/records-service.js';
import { forbidden, toAppError } from '../server/errors.js';
import { withoutNullsDeep } from '../server/validation.js';
import { selectedAt } from './selected-fields.js';
import type { GatewayContext } from '../server/http/context.js';

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
/** The types generated for a dataset whose record type is named `T`. */
const TYPE_SUFFIXES = ['', 'Edge', 'Connection', 'Field', 'OrderBy', 'Where'];
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;
const BUILT_IN_TYPES = ['String', 'Int', 'Float', 'Boolean', 'ID', 'Query', 'Mutation', 'Subscription'];

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

/** A lone surrogate would become an escape GraphQL refuses, losing the dataset's typed part over a title. */
const describe = (text: string | undefined) =>
  text ? `${JSON.stringify(text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'))}\n` : '';


type DataArgs = { where?: unknown; orderBy?: { field: string; direction?: 'ASC' | 'DESC' }[]; first?: number; after?: string; purpose?: string };

/** Notes how each row of a page was read, so links from it follow the read's masks and purpose. */
function rememberRead(ctx: GatewayContext, page: RecordConnection): void {
  const read = { masked: new Set(page.maskedFields), purpose: page.purpose };
  for (const edge of page.edges) ctx.loaders.reads.set(edge.node, read);
}

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
        rememberRead(ctx, page);
        const byKey = new Map(page.edges.map((e) => [JSON.stringify(e.node[field]), e.node]));
        return values.map((v) => byKey.get(JSON.stringify(v)) ?? null);
      },
      { maxBatchSize: 1000, cacheKeyFn: (v) => JSON.stringify(v) },
    );
    ctx.loaders.links.set(key, loader);
  }
  return loader;
}

export interface LeftOut {
  id: string;
  reason: string;
}

/** Why a stored dataset cannot have a typed part, whatever the other datasets are; null when it can. */
function contentProblem(dataset: Dataset): string | null {
  if (!Array.isArray(dataset.fields) || dataset.fields.length === 0) return 'its record schema has no fields';
  if (!Array.isArray(dataset.links)) return 'its links are not a list';
  for (const field of dataset.fields) {
    const problem = fieldNameProblem(field.name);
    if (problem) return `field "${field.name}": ${problem}`;
    if (!Object.hasOwn(SCALAR, field.type)) return `field "${field.name}" has the unknown type "${String(field.type)}"`;
  }
  const names = new Set(dataset.fields.map((f) => f.name));
  for (const link of dataset.links) {
    const problem = fieldNameProblem(link.as);
    if (problem) return `link "${link.as}": ${problem}`;
    if (names.has(link.as)) return `link "${link.as}" repeats a name of the record type`;
    names.add(link.as);
  }
  return null;
}

/** Every type name the typed part must never generate: the gateway's own and GraphQL's. */
function fixedTypeNames(staticTypeDefs: string[]): Set<string> {
  const names = new Set(BUILT_IN_TYPES);
  for (const typeDefs of [...staticTypeDefs, dataFilterTypeDefs, 'type DataQuery { _empty: Boolean }']) {
    for (const definition of parse(typeDefs).definitions) {
      if ('name' in definition && definition.name) names.add(definition.name.value);
    }
  }
  return names;
}

/**
 * Decides which datasets get a typed part. Generated names are claimed first-come in id order, so
 * every replica decides alike: a dataset whose names are the gateway's own, or were claimed by a
 * dataset before it (`cong-an.residents` and `cong.an-residents` both give `cong_an_residents`;
 * `cong-an.residents-edge` gives `CongAnResidentsEdge`, the edge type of `cong-an.residents`), is
 * left out with the reason, and `records` still serves it.
 */
export function planDataSchema(datasets: Dataset[], staticTypeDefs: string[]): { included: Dataset[]; leftOut: LeftOut[] } {
  const fixed = fixedTypeNames(staticTypeDefs);
  const claimed = new Map<string, string>();
  const included: Dataset[] = [];
  const leftOut: LeftOut[] = [];
  for (const dataset of [...datasets].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    let claims: string[];
    try {
      const T = typeNameOf(dataset.id);
      const field = fieldNameOf(dataset.id);
      claims = [...TYPE_SUFFIXES.map((suffix) => `${T}${suffix}`), `data.${field}`];
      const reason =
        contentProblem(dataset) ??
        (!GRAPHQL_NAME.test(T) || !GRAPHQL_NAME.test(field) || T.startsWith('__') || field.startsWith('__')
          ? `its id gives the names ${T} and ${field}, which are not legal GraphQL names`
          : null) ??
        claims.map((name) => (fixed.has(name) ? `the type name ${name} belongs to the gateway's own schema` : null)).find(Boolean) ??
        claims.map((name) => (claimed.has(name) ? `the ${name.startsWith('data.') ? 'field' : 'type name'} ${name} is already generated for ${claimed.get(name)}` : null)).find(Boolean);
      if (reason) {
        leftOut.push({ id: String(dataset.id), reason });
        continue;
      }
    } catch (error) {
      // Only an entry written around the API gets here (say, one whose id is not a string).
      leftOut.push({ id: String(dataset.id), reason: `its catalogue entry is malformed: ${error instanceof Error ? error.message : String(error)}` });
      continue;
    }
    for (const name of claims) claimed.set(name, dataset.id);
    included.push(dataset);
  }
  return { included, leftOut };
}

/**
 * The typed part for `datasets`, which must be a plan's `included` (or part of it): a link to a
 * dataset outside them is not generated, since its target type may be missing or, worse, be
 * another dataset's type of the same name.
 */
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
        const read = ctx.loaders.reads.get(row);
        // A masked key would look up the wrong record, or reveal through the target what the mask
        // hides; a row of unknown origin is treated as masked.
        if (!read || read.masked.has(link.field)) {
          if (ctx.loaders.reportedLinkErrors.has(`${link.dataset}|masked`)) return null;
          ctx.loaders.reportedLinkErrors.add(`${link.dataset}|masked`);
          throw forbidden(`The link ${link.as} needs ${link.field} in clear, and you see it masked.`);
        }
        try {
          return await linkLoader(ctx, link.dataset, link.targetField, read.purpose).load(value);
        } catch (error) {
          // The caller may not read the target: say so once per request, not on every row.
          const known = toAppError(error);
          if (!known || ctx.loaders.reportedLinkErrors.has(link.dataset)) return null;
          ctx.loaders.reportedLinkErrors.add(link.dataset);
          throw known;
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
    const fieldNames = new Set(dataset.fields.map((f) => f.name));
    const linkFields = new Map(dataset.links.map((l) => [l.as, l.field]));
    resolvers['DataQuery']![fieldNameOf(dataset.id)] = async (_: unknown, args: DataArgs, ctx: GatewayContext, info: GraphQLResolveInfo) => {
      // Only what the query selects (a link, its key) is read: a value that cannot be read in a
      // field the query does not ask for must not fail it, and fewer columns cost less.
      const wanted = selectedAt(info, ['edges', 'node'])
        .map((name) => linkFields.get(name) ?? name)
        .filter((name) => fieldNames.has(name));
      const page = await ctx.records.records(
        ctx.principal,
        {
          dataset: dataset.id,
          wanted,
          // GraphQL input objects carry explicit nulls for absent fields; the portable filter has none.
          where: withoutNullsDeep(args.where) ?? null,
          orderBy: args.orderBy ?? null,
          first: args.first ?? null,
          after: args.after ?? null,
          purpose: args.purpose ?? null,
        },
        ctx.signal,
      );
      rememberRead(ctx, page);
      return page;
    };
  }
  parts.push(`
    "One field per published dataset, named from its id."
    type DataQuery { ${queryFields.length > 0 ? queryFields.join('\n') : '"No dataset is published yet." _empty: Boolean'} }
    extend type Query { data: DataQuery! }
  `);
  resolvers['Query'] = { data: () => ({}) };
  return { typeDefs: parts.join('\n'), resolvers };
}
