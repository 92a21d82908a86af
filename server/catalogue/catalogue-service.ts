import { MongoServerError, type Collection, type Db, type Document, type Filter } from 'mongodb';
import { hasRole, isAdmin, type Principal } from '../auth/principal.js';
import { badInput, conflict, forbidden, notFound } from '../errors.js';
import { decodeCursor, encodeCursor, pageSize } from './cursor.js';
import {
  datasetId,
  type Classification,
  type Dataset,
  type DatasetInput,
  type DatasetPatch,
  type DatasetStatus,
} from './dataset.js';
import { validateDatasetInput, validateDatasetPatch, type ConnectorBindingCheck } from './dataset-validation.js';
import { fieldsOf, type RecordSchema } from './record-schema.js';
import { identifierTokens, tokenize } from './text-folding.js';

export interface Department {
  code: string;
  name: string;
  nameEn?: string;
}

/** How a dataset is stored: the record schema as JSON text (its `$schema` key is not a legal field name everywhere) and folded search tokens. */
type DatasetDocument = Omit<Dataset, 'id' | 'recordSchema' | 'fields'> & {
  _id: string;
  recordSchemaJson: string;
  search: { title: string[]; all: string[]; keywords: string[] };
};

export interface DatasetFilter {
  departments?: string[] | null;
  themes?: string[] | null;
  classifications?: Classification[] | null;
  statuses?: DatasetStatus[] | null;
  keywords?: string[] | null;
}

export interface SearchArgs {
  search?: string | null;
  filter?: DatasetFilter | null;
  first?: number | null;
  after?: string | null;
}

export interface FacetCount {
  value: string;
  count: number;
}

export interface DatasetConnection {
  edges: { cursor: string; node: Dataset }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
  facets: { departments: FacetCount[]; themes: FacetCount[]; classifications: FacetCount[]; statuses: FacetCount[] };
}

export type DatasetChange = { kind: 'registered' | 'updated' | 'published' | 'deprecated'; dataset: Dataset; actor: Principal };
type ChangeListener = (change: DatasetChange) => void | Promise<void>;

const VISIBLE_TO_ALL: DatasetStatus[] = ['PUBLISHED', 'DEPRECATED'];

function searchTokens(d: Pick<Dataset, 'title' | 'titleEn' | 'description' | 'descriptionEn' | 'keywords' | 'recordSchema'>) {
  const title = tokenize([d.title, d.titleEn ?? ''].join(' '));
  const fieldWords = Object.entries(d.recordSchema.properties).flatMap(([name, f]) => [
    ...identifierTokens(name),
    ...tokenize(typeof f['title'] === 'string' ? f['title'] : ''),
  ]);
  const all = new Set([...title, ...tokenize([d.description, d.descriptionEn ?? '', ...d.keywords].join(' ')), ...fieldWords]);
  return { title, all: [...all], keywords: d.keywords.map((k) => tokenize(k).join(' ')) };
}

function toDataset(doc: DatasetDocument): Dataset {
  const { _id, recordSchemaJson, search: _search, ...rest } = doc;
  const recordSchema = JSON.parse(recordSchemaJson) as RecordSchema;
  return { ...rest, id: _id, recordSchema, fields: fieldsOf(recordSchema) };
}

/**
 * The catalogue of departments and datasets. Every state change is one atomic document update
 * with a precondition, so a lost race is a CONFLICT and never a double write, on any MongoDB.
 */
export class CatalogueService {
  readonly datasets: Collection<DatasetDocument>;
  readonly departments: Collection<Department & { _id: string }>;
  private readonly listeners: ChangeListener[] = [];

  constructor(
    db: Db,
    private readonly checkConnector: ConnectorBindingCheck,
    private readonly maxPageSize = 1000,
  ) {
    this.datasets = db.collection('datasets');
    this.departments = db.collection('departments');
  }

  async ensureIndexes(): Promise<void> {
    await this.datasets.createIndexes([
      { key: { 'search.all': 1 }, name: 'search_tokens' },
      { key: { 'search.keywords': 1 }, name: 'search_keywords' },
      { key: { department: 1, status: 1 }, name: 'department_status' },
      { key: { status: 1 }, name: 'status' },
      { key: { themes: 1 }, name: 'themes' },
      { key: { classification: 1 }, name: 'classification' },
    ]);
  }

  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  private async emit(change: DatasetChange): Promise<void> {
    for (const listener of this.listeners) await listener(change);
  }

  async listDepartments(): Promise<Department[]> {
    const docs = await this.departments.find({}, { sort: { _id: 1 } }).toArray();
    return docs.map(({ _id, ...d }) => d);
  }

  async getDepartment(code: string): Promise<Department | null> {
    const doc = await this.departments.findOne({ _id: code });
    if (!doc) return null;
    const { _id, ...d } = doc;
    return d;
  }

  async upsertDepartment(department: Department): Promise<void> {
    await this.departments.updateOne({ _id: department.code }, { $set: department }, { upsert: true });
  }

  private visibility(principal: Principal): Filter<DatasetDocument> {
    if (isAdmin(principal)) return {};
    return { $or: [{ status: { $in: VISIBLE_TO_ALL } }, { department: principal.department }] };
  }

  /** A dataset as the caller may see it, or null when it does not exist or is a draft of another department. */
  async get(principal: Principal, id: string): Promise<Dataset | null> {
    const doc = await this.datasets.findOne({ $and: [{ _id: id }, this.visibility(principal)] });
    return doc ? toDataset(doc) : null;
  }

  /** For internal use (connectors, schema generation): no visibility rule applied. */
  async getUnchecked(id: string): Promise<Dataset | null> {
    const doc = await this.datasets.findOne({ _id: id });
    return doc ? toDataset(doc) : null;
  }

  async listPublished(): Promise<Dataset[]> {
    const docs = await this.datasets.find({ status: 'PUBLISHED' }, { sort: { _id: 1 } }).toArray();
    return docs.map(toDataset);
  }

  private assertPublisherOf(principal: Principal, department: string): void {
    if (isAdmin(principal)) return;
    if (!hasRole(principal, 'publisher')) throw forbidden('Only a publisher of the owning department (or an admin) may change datasets.');
    if (principal.department !== department) throw forbidden(`Only publishers of ${department} may change its datasets.`);
  }

  async register(principal: Principal, given: DatasetInput): Promise<Dataset> {
    const input = withoutNulls(given);
    if (!isAdmin(principal) && !hasRole(principal, 'publisher')) throw forbidden('Registering a dataset needs the publisher role.');
    validateDatasetInput(input, this.checkConnector);
    if (input.department && input.department !== principal.department && !isAdmin(principal)) {
      throw forbidden('Only an admin may register a dataset for another department.');
    }
    const department = input.department ?? principal.department;
    if (!(await this.getDepartment(department))) {
      throw badInput(`Unknown department "${department}".`, [{ path: 'input.department', message: 'is not a registered department' }]);
    }
    const now = new Date();
    const recordSchema = input.recordSchema as RecordSchema;
    const base = {
      slug: input.slug,
      department,
      title: input.title as string,
      description: input.description as string,
      classification: input.classification as Classification,
      themes: input.themes ?? [],
      keywords: input.keywords ?? [],
      recordSchema,
      connector: input.connector as Dataset['connector'],
      links: input.links ?? [],
      status: 'DRAFT' as const,
      version: 1,
      createdBy: principal.id,
      createdAt: now,
      updatedAt: now,
    };
    const optional = pickDefined(input, ['titleEn', 'descriptionEn', 'license', 'contact', 'updateFrequency']);
    const { recordSchema: _schema, ...stored } = { ...base, ...optional };
    const doc: DatasetDocument = {
      _id: datasetId(department, input.slug),
      ...stored,
      recordSchemaJson: JSON.stringify(recordSchema),
      search: searchTokens({ ...base, ...optional }),
    };
    try {
      await this.datasets.insertOne(doc);
    } catch (error) {
      if (error instanceof MongoServerError && error.code === 11000) throw conflict(`Dataset ${doc._id} already exists.`);
      throw error;
    }
    const dataset = toDataset(doc);
    await this.emit({ kind: 'registered', dataset, actor: principal });
    return dataset;
  }

  private async loadForChange(principal: Principal, id: string): Promise<DatasetDocument> {
    const doc = await this.datasets.findOne({ $and: [{ _id: id }, this.visibility(principal)] });
    if (!doc) throw notFound(`Dataset ${id} not found.`);
    this.assertPublisherOf(principal, doc.department);
    return doc;
  }

  async update(principal: Principal, id: string, given: DatasetPatch): Promise<Dataset> {
    const patch = withoutNulls(given);
    const doc = await this.loadForChange(principal, id);
    const current = toDataset(doc);
    const merged = { ...current, ...patch };
    const { id: _id, fields: _f, status: _s, ...mergedMetadata } = merged;
    validateDatasetPatch(patch, mergedMetadata as Record<string, unknown>, this.checkConnector);
    const { recordSchema, ...rest } = patch;
    const set: Partial<DatasetDocument> = { ...rest, updatedAt: new Date(), search: searchTokens(merged) };
    if (recordSchema) set.recordSchemaJson = JSON.stringify(recordSchema);
    const updated = await this.datasets.findOneAndUpdate(
      { _id: id, version: doc.version },
      { $set: set, $inc: { version: 1 } },
      { returnDocument: 'after' },
    );
    if (!updated) throw conflict(`Dataset ${id} was changed by someone else meanwhile; reload and retry.`);
    const dataset = toDataset(updated);
    await this.emit({ kind: 'updated', dataset, actor: principal });
    return dataset;
  }

  /** Moves a dataset between statuses only from the given ones; a lost race or a wrong status is CONFLICT. */
  private async transition(
    principal: Principal,
    id: string,
    from: DatasetStatus[],
    to: DatasetStatus,
    extra: Partial<DatasetDocument>,
    beforeChange?: (dataset: Dataset) => Promise<void>,
  ): Promise<Dataset> {
    const doc = await this.loadForChange(principal, id);
    if (!from.includes(doc.status)) throw conflict(`Dataset ${id} is ${doc.status}; this needs ${from.join(' or ')}.`);
    if (beforeChange) await beforeChange(toDataset(doc));
    const updated = await this.datasets.findOneAndUpdate(
      { _id: id, status: { $in: from }, version: doc.version },
      { $set: { ...extra, status: to, updatedAt: new Date() }, $inc: { version: 1 } },
      { returnDocument: 'after' },
    );
    if (!updated) throw conflict(`Dataset ${id} was changed by someone else meanwhile; reload and retry.`);
    return toDataset(updated);
  }

  async publish(principal: Principal, id: string, beforePublish?: (dataset: Dataset) => Promise<void>): Promise<Dataset> {
    const dataset = await this.transition(principal, id, ['DRAFT', 'DEPRECATED'], 'PUBLISHED', { publishedAt: new Date() }, beforePublish);
    await this.emit({ kind: 'published', dataset, actor: principal });
    return dataset;
  }

  async deprecate(principal: Principal, id: string, reason: string): Promise<Dataset> {
    if (!reason.trim()) throw badInput('A reason is required.', [{ path: 'reason', message: 'must not be empty' }]);
    const dataset = await this.transition(principal, id, ['PUBLISHED'], 'DEPRECATED', { deprecatedAt: new Date(), deprecationReason: reason.trim() });
    await this.emit({ kind: 'deprecated', dataset, actor: principal });
    return dataset;
  }

  /**
   * Search with Vietnamese folding, filters, facets and Relay cursors. Results are ordered by the
   * number of query words found in the title (descending), then by id, which is unique, so a
   * cursor (rank, id) gives pages with no duplicates and no gaps.
   */
  async search(principal: Principal, args: SearchArgs): Promise<DatasetConnection> {
    const first = pageSize(args.first, this.maxPageSize);
    const words = args.search ? tokenize(args.search).slice(0, 20) : [];
    const clauses: Filter<DatasetDocument>[] = [this.visibility(principal)];
    if (words.length > 0) clauses.push({ 'search.all': { $all: words } });
    const f = args.filter ?? {};
    if (f.departments?.length) clauses.push({ department: { $in: f.departments } });
    if (f.themes?.length) clauses.push({ themes: { $in: f.themes } });
    if (f.classifications?.length) clauses.push({ classification: { $in: f.classifications } });
    if (f.statuses?.length) clauses.push({ status: { $in: f.statuses } });
    if (f.keywords?.length) clauses.push({ 'search.keywords': { $in: f.keywords.map((k) => tokenize(k).join(' ')) } });

    const rank = words.length > 0 ? { $size: { $setIntersection: ['$search.title', words] } } : { $literal: 0 };
    const page: Document[] = [];
    if (args.after) {
      const [afterRank, afterId] = decodeCursor(args.after);
      if (typeof afterRank !== 'number' || typeof afterId !== 'string') throw badInput('Invalid cursor.', [{ path: 'after', message: 'is not a cursor returned by this API' }]);
      page.push({ $match: { $or: [{ _rank: { $lt: afterRank } }, { _rank: afterRank, _id: { $gt: afterId } }] } });
    }
    page.push({ $sort: { _rank: -1, _id: 1 } }, { $limit: first + 1 });

    const [result] = await this.datasets
      .aggregate<{
        page: (DatasetDocument & { _rank: number })[];
        total: { n: number }[];
        departments: { _id: string; count: number }[];
        themes: { _id: string; count: number }[];
        classifications: { _id: string; count: number }[];
        statuses: { _id: string; count: number }[];
      }>([
        { $match: { $and: clauses } },
        { $addFields: { _rank: rank } },
        {
          $facet: {
            page,
            total: [{ $count: 'n' }],
            departments: [{ $sortByCount: '$department' }],
            themes: [{ $unwind: '$themes' }, { $sortByCount: '$themes' }],
            classifications: [{ $sortByCount: '$classification' }],
            statuses: [{ $sortByCount: '$status' }],
          },
        },
      ])
      .toArray();
    const rows = result?.page ?? [];
    const hasNextPage = rows.length > first;
    const edges = rows.slice(0, first).map(({ _rank, ...doc }) => ({ cursor: encodeCursor([_rank, doc._id]), node: toDataset(doc as DatasetDocument) }));
    const facet = (list: { _id: string; count: number }[] | undefined): FacetCount[] =>
      (list ?? []).map((x) => ({ value: x._id, count: x.count })).sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
    return {
      edges,
      pageInfo: { hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
      totalCount: result?.total[0]?.n ?? 0,
      facets: {
        departments: facet(result?.departments),
        themes: facet(result?.themes),
        classifications: facet(result?.classifications),
        statuses: facet(result?.statuses),
      },
    };
  }
}

function pickDefined<T extends object, K extends keyof T>(source: T, keys: K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const key of keys) if (source[key] !== undefined && source[key] !== null) out[key] = source[key];
  return out;
}

/** GraphQL passes an explicit null for an omitted optional input; the catalogue treats both alike. */
function withoutNulls<T extends object>(input: T): T {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null && v !== undefined)) as T;
}
