import { MongoServerError, type Collection, type Db, type Filter } from 'mongodb';
import { may } from '../auth/permissions.js';
import type { Principal } from '../auth/principal.js';
import { badInput, conflict, forbidden, notFound } from '../errors.js';
import { withoutNulls } from '../validation.js';
import { inputFault } from '../well-formed.js';
import { decodeCursor, encodeCursor, pageSize } from '../paging.js';
import {
  datasetId,
  type Classification,
  type Dataset,
  type DatasetInput,
  type DatasetHealth,
  type DatasetPatch,
  type DatasetStatus,
} from './dataset.js';
import { validateDatasetInput, validateDatasetPatch, type ConnectorBindingCheck } from './dataset-validation.js';
import { fieldsOf, type RecordSchema } from './record-schema.js';
import { auditEntry, type AuditAction, type AuditAppend } from '../audit/audit-entry.js';
import { ChangeCounters } from './change-counters.js';
import { CatalogueSearchIndex, type IndexedDataset, type SearchFilter } from './search-index.js';
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

export interface DatasetFilter extends SearchFilter {
  classifications?: Classification[] | null;
  statuses?: DatasetStatus[] | null;
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

const VISIBLE_TO_ALL: DatasetStatus[] = ['PUBLISHED', 'DEPRECATED'];
/** Datasets kept in memory for search result pages. */
const RECENT_DATASETS = 5000;

function searchTokens(d: Pick<Dataset, 'title' | 'titleEn' | 'description' | 'descriptionEn' | 'keywords' | 'recordSchema'>) {
  const title = tokenize([d.title, d.titleEn ?? ''].join(' '));
  const fieldWords = Object.entries(d.recordSchema.properties).flatMap(([name, f]) => [
    ...identifierTokens(name),
    ...tokenize(typeof f['title'] === 'string' ? f['title'] : ''),
  ]);
  const all = new Set([...title, ...tokenize([d.description, d.descriptionEn ?? '', ...d.keywords].join(' ')), ...fieldWords]);
  return { title, all: [...all], keywords: d.keywords.map((k) => tokenize(k).join(' ')) };
}

/** The rule `get` applies in its query, for datasets already in memory: drafts only to their department (and admins). */
export const isVisibleTo = (principal: Principal, d: Pick<Dataset, 'status' | 'department'>): boolean =>
  may.administer(principal) || VISIBLE_TO_ALL.includes(d.status) || d.department === principal.department;

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
  readonly searchIndex: CatalogueSearchIndex;
  /** Moved after every dataset write, so other replicas see it; read by the search index and the read path. */
  readonly counters: ChangeCounters;
  private departmentCache: { at: number; list: Department[] } | null = null;
  private readonly recentDatasets = new Map<string, Dataset>();

  constructor(
    db: Db,
    private readonly checkConnector: ConnectorBindingCheck,
    /** Every change is recorded in the audit trail. */
    private readonly audit: AuditAppend,
    private readonly maxPageSize = 1000,
  ) {
    this.datasets = db.collection('datasets');
    this.departments = db.collection('departments');
    this.counters = new ChangeCounters(db);
    this.searchIndex = new CatalogueSearchIndex(db.collection<IndexedDataset>('datasets'), () => this.counters.readOne('catalogue'));
  }

  async ensureIndexes(): Promise<void> {
    // Search, filters and facets are answered by the search index; MongoDB is read by _id and,
    // for the index's incremental refresh, by updatedAt.
    await this.datasets.createIndex({ updatedAt: 1 }, { name: 'updated_at' });
  }

  /** Departments change rarely and are read on almost every request, so they are kept for a minute. */
  async listDepartments(): Promise<Department[]> {
    if (!this.departmentCache || Date.now() - this.departmentCache.at > 60_000) {
      const docs = await this.departments.find({}, { sort: { _id: 1 } }).toArray();
      this.departmentCache = { at: Date.now(), list: docs.map(({ _id, ...d }) => d) };
    }
    return this.departmentCache.list;
  }

  async getDepartment(code: string): Promise<Department | null> {
    return (await this.listDepartments()).find((d) => d.code === code) ?? null;
  }

  async upsertDepartment(department: Department): Promise<void> {
    await this.departments.updateOne({ _id: department.code }, { $set: department }, { upsert: true });
    this.departmentCache = null;
  }

  /** A new department (admin only); an existing code is CONFLICT. */
  async createDepartment(principal: Principal, given: Department): Promise<Department> {
    if (!may.administer(principal)) throw forbidden('Only an admin may create departments.');
    const department = departmentFaults(given, true);
    try {
      await this.departments.insertOne({ _id: department.code, ...department });
    } catch (error) {
      if (error instanceof MongoServerError && error.code === 11000) throw conflict(`Department ${department.code} already exists.`);
      throw error;
    }
    this.departmentCache = null;
    await this.audit(auditEntry(principal, 'department.create', null, { detail: { code: department.code, name: department.name } }));
    return department;
  }

  /** Renames a department (admin only); its code, which tokens and datasets carry, never changes. */
  async renameDepartment(principal: Principal, code: string, names: { name: string; nameEn?: string | null }): Promise<Department> {
    if (!may.administer(principal)) throw forbidden('Only an admin may rename departments.');
    const department = departmentFaults({ code, name: names.name, ...(names.nameEn ? { nameEn: names.nameEn } : {}) }, false);
    const update = department.nameEn ? { $set: { name: department.name, nameEn: department.nameEn } } : { $set: { name: department.name }, $unset: { nameEn: '' as const } };
    const result = await this.departments.updateOne({ _id: code }, update);
    if (result.matchedCount === 0) throw notFound(`Department ${code} not found.`);
    this.departmentCache = null;
    await this.audit(auditEntry(principal, 'department.rename', null, { detail: { code, name: department.name } }));
    return department;
  }

  private visibility(principal: Principal): Filter<DatasetDocument> {
    if (may.administer(principal)) return {};
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

  /** Several datasets as the caller may see them, in one query (per-row lookups of a page batch here). */
  async getMany(principal: Principal, ids: readonly string[]): Promise<Map<string, Dataset>> {
    const docs = await this.datasets.find({ $and: [{ _id: { $in: [...new Set(ids)] } }, this.visibility(principal)] }).toArray();
    return new Map(docs.map((doc) => [doc._id, toDataset(doc)]));
  }

  /** Published datasets in id order, for internal work such as source checks: no visibility rule applied. */
  async listPublishedUnchecked(limit = 0): Promise<Dataset[]> {
    return (await this.datasets.find({ status: 'PUBLISHED' }, { sort: { _id: 1 }, limit }).toArray()).map(toDataset);
  }

  private assertPublisherOf(principal: Principal, department: string): void {
    if (!may.publishFor(principal, department)) throw forbidden(`Only publishers of ${department} (or an admin) may change its datasets.`);
  }

  async register(principal: Principal, given: DatasetInput): Promise<Dataset> {
    assertInputShape(given);
    const input = withoutNulls(given);
    if (!may.registerDatasets(principal)) throw forbidden('Registering a dataset needs the publisher role.');
    const department = typeof input.department === 'string' ? input.department : principal.department;
    if (!may.publishFor(principal, department)) throw forbidden('Only an admin may register a dataset for another department.');
    validateDatasetInput({ ...input }, this.checkConnector, department);
    if (!(await this.getDepartment(department))) {
      throw badInput(`Unknown department "${department}".`, [{ path: 'input.department', message: 'is not a registered department' }]);
    }
    const doc = buildDatasetDocument(input, department, principal.id, new Date());
    try {
      await this.datasets.insertOne(doc);
    } catch (error) {
      if (error instanceof MongoServerError && error.code === 11000) throw conflict(`Dataset ${doc._id} already exists.`);
      throw error;
    }
    await this.written(doc);
    await this.recordChange(principal, 'dataset.register', doc, { classification: doc.classification });
    return toDataset(doc);
  }

  private async loadForChange(principal: Principal, id: string): Promise<DatasetDocument> {
    const doc = await this.datasets.findOne({ $and: [{ _id: id }, this.visibility(principal)] });
    if (!doc) throw notFound(`Dataset ${id} not found.`);
    this.assertPublisherOf(principal, doc.department);
    return doc;
  }

  async update(principal: Principal, id: string, given: DatasetPatch): Promise<Dataset> {
    assertInputShape(given);
    const patch = withoutNulls(given);
    const doc = await this.loadForChange(principal, id);
    const current = toDataset(doc);
    const merged = { ...current, ...patch };
    const { id: _id, fields: _f, status: _s, ...mergedMetadata } = merged;
    validateDatasetPatch(patch, { ...mergedMetadata }, this.checkConnector, doc.department);
    const { recordSchema, ...rest } = patch;
    const set: Partial<DatasetDocument> = { ...rest, updatedAt: new Date(), search: searchTokens(merged) };
    if (recordSchema) set.recordSchemaJson = JSON.stringify(recordSchema);
    const updated = await this.datasets.findOneAndUpdate(
      { _id: id, version: doc.version },
      { $set: set, $inc: { version: 1 } },
      { returnDocument: 'after' },
    );
    if (!updated) throw conflict(`Dataset ${id} was changed by someone else meanwhile; reload and retry.`);
    await this.written(updated);
    // A change of classification is a change of policy; the event names what changed.
    await this.recordChange(principal, 'dataset.update', updated, { changed: Object.keys(patch), classification: updated.classification });
    return toDataset(updated);
  }

  /** Stores the last source check. Not a metadata change: no version bump, no search refresh. */
  async recordHealth(id: string, health: DatasetHealth): Promise<void> {
    await this.datasets.updateOne({ _id: id }, { $set: { health } });
    this.recentDatasets.delete(id);
  }

  /** Moves a dataset between statuses only from the given ones; a lost race or a wrong status is CONFLICT. */
  private async transition(
    principal: Principal,
    id: string,
    from: DatasetStatus[],
    to: DatasetStatus,
    extra: Partial<DatasetDocument>,
  ): Promise<Dataset> {
    const doc = await this.loadForChange(principal, id);
    if (!from.includes(doc.status)) throw conflict(`Dataset ${id} is ${doc.status}; this needs ${from.join(' or ')}.`);
    const updated = await this.datasets.findOneAndUpdate(
      { _id: id, status: { $in: from }, version: doc.version },
      { $set: { ...extra, status: to, updatedAt: new Date() }, $inc: { version: 1 } },
      { returnDocument: 'after' },
    );
    if (!updated) throw conflict(`Dataset ${id} was changed by someone else meanwhile; reload and retry.`);
    await this.written(updated);
    await this.recordChange(principal, to === 'PUBLISHED' ? 'dataset.publish' : 'dataset.deprecate', updated, extra.deprecationReason ? { reason: extra.deprecationReason } : {});
    return toDataset(updated);
  }

  async publish(principal: Principal, id: string): Promise<Dataset> {
    return this.transition(principal, id, ['DRAFT', 'DEPRECATED'], 'PUBLISHED', { publishedAt: new Date() });
  }

  async deprecate(principal: Principal, id: string, reason: string): Promise<Dataset> {
    if (!reason.trim()) throw badInput('A reason is required.', [{ path: 'reason', message: 'must not be empty' }]);
    return this.transition(principal, id, ['PUBLISHED'], 'DEPRECATED', { deprecatedAt: new Date(), deprecationReason: reason.trim() });
  }

  /**
   * Search with Vietnamese folding, filters, facets and Relay cursors, answered by the search
   * index; MongoDB is asked only for the datasets of the page. Results are ordered by the number
   * of query words found in the title (descending), then by id, which is unique, so a cursor
   * (rank, id) gives pages with no duplicates and no gaps.
   */
  async search(principal: Principal, args: SearchArgs): Promise<DatasetConnection> {
    const first = pageSize(args.first, this.maxPageSize);
    const after = args.after ? decodeCursor(args.after, ['number', 'string']) : null;
    await this.searchIndex.refreshIfStale();
    const f = args.filter ?? {};
    const admin = may.administer(principal);
    const query = {
      words: args.search ? tokenize(args.search).slice(0, 20) : [],
      departments: f.departments ?? null,
      themes: f.themes ?? null,
      classifications: f.classifications ?? null,
      statuses: f.statuses ?? null,
      keywords: f.keywords?.map((k) => tokenize(k).join(' ')) ?? null,
    };
    // What a caller sees depends only on being an admin or on their department.
    const audience = admin ? '*admin' : principal.department;
    const { hits, facets } = this.searchIndex.query(
      { ...query, visible: (d) => isVisibleTo(principal, d) },
      JSON.stringify([audience, query]),
    );
    const start = after ? hits.findIndex((h) => h.rank < after[0] || (h.rank === after[0] && h.id > after[1])) : 0;
    const pageHits = start < 0 ? [] : hits.slice(start, start + first);
    const byId = await this.pageDatasets(pageHits.map((h) => h.id));
    const edges = pageHits.flatMap((h) => {
      const dataset = byId.get(h.id);
      return dataset ? [{ cursor: encodeCursor([h.rank, h.id]), node: dataset }] : [];
    });
    const facet = (counts: Map<string, number>): FacetCount[] =>
      [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
    return {
      edges,
      pageInfo: { hasNextPage: start >= 0 && start + first < hits.length, endCursor: pageHits.length > 0 ? encodeCursor([pageHits.at(-1)!.rank, pageHits.at(-1)!.id]) : null },
      totalCount: hits.length,
      facets: {
        departments: facet(facets.departments),
        themes: facet(facets.themes),
        classifications: facet(facets.classifications),
        statuses: facet(facets.statuses),
      },
    };
  }

  private recordChange(principal: Principal, action: AuditAction, doc: DatasetDocument, detail: Record<string, unknown>) {
    return this.audit(auditEntry(principal, action, { datasetId: doc._id, datasetDepartment: doc.department }, { detail }));
  }

  /**
   * The datasets of a result page. Recently served ones come from memory while the search index
   * holds the same version (same updatedAt), so popular pages cost no MongoDB round trip; the
   * others are read by id.
   */
  private async pageDatasets(ids: string[]): Promise<Map<string, Dataset>> {
    const found = new Map<string, Dataset>();
    const missing: string[] = [];
    for (const id of ids) {
      const cached = this.recentDatasets.get(id);
      if (cached && cached.updatedAt.getTime() === this.searchIndex.updatedAtOf(id)) found.set(id, cached);
      else missing.push(id);
    }
    if (missing.length > 0) {
      for (const doc of await this.datasets.find({ _id: { $in: missing } }).toArray()) {
        const dataset = toDataset(doc);
        found.set(doc._id, dataset);
        this.recentDatasets.delete(doc._id);
        if (this.recentDatasets.size >= RECENT_DATASETS) this.recentDatasets.delete(this.recentDatasets.keys().next().value!);
        this.recentDatasets.set(doc._id, dataset);
      }
    }
    return found;
  }

  /** Records a write: the search index of this process at once, other replicas through the change counter. */
  private async written(doc: DatasetDocument): Promise<void> {
    this.searchIndex.apply(doc);
    await this.counters.bump('catalogue');
  }
}

const DEPARTMENT_CODE = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** A department's code and names, trimmed and checked; faults are BAD_USER_INPUT at their paths. */
function departmentFaults(given: Department, checkCode: boolean): Department {
  const name = typeof given.name === 'string' ? given.name.normalize('NFC').trim() : '';
  const nameEn = typeof given.nameEn === 'string' ? given.nameEn.normalize('NFC').trim() : '';
  const faults = [];
  if (checkCode && (typeof given.code !== 'string' || !DEPARTMENT_CODE.test(given.code))) faults.push({ path: 'input.code', message: 'must be lower-case letters, digits and hyphens (at most 63)' });
  if (!name || name.length > 200) faults.push({ path: 'input.name', message: 'must be 1 to 200 characters' });
  if (nameEn.length > 200) faults.push({ path: 'input.nameEn', message: 'must be at most 200 characters' });
  if (faults.length) throw badInput('The department is invalid.', faults);
  return { code: given.code, name, ...(nameEn ? { nameEn } : {}) };
}

/** The stored form of a new draft dataset; `input` must already be validated. */
export function buildDatasetDocument(input: DatasetInput, department: string, createdBy: string, now: Date): DatasetDocument {
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
    createdBy,
    createdAt: now,
    updatedAt: now,
  };
  const { titleEn, descriptionEn, license, contact, updateFrequency } = input;
  const optional = withoutNulls({ titleEn, descriptionEn, license, contact, updateFrequency });
  const { recordSchema: _schema, ...stored } = { ...base, ...optional };
  return {
    _id: datasetId(department, input.slug),
    ...stored,
    recordSchemaJson: JSON.stringify(recordSchema),
    search: searchTokens({ ...base, ...optional }),
  };
}


/** Whatever transport it came through, dataset input is walked recursively (record schema checks, JSON): bound its depth first. */
function assertInputShape(input: object): void {
  const fault = inputFault(input, 'input');
  if (fault) throw badInput('The dataset is invalid.', [fault]);
}
