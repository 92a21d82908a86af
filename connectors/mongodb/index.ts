import { MongoClient, type Document, type Filter } from 'mongodb';
import type { RecordField } from '../schema.js';
import type { JSONSchemaType } from 'ajv';
import { refuseUnsupported } from '../capabilities.js';
import { NotSupported } from '../errors.js';
import type { BindingOptions, Connector, ConnectorCapabilities, ConnectorContext, ConnectorFactory, ConnectorQuery, Row, SortKey, SourceField } from '../contract.js';
import { reachAllows } from '../credentials.js';
import { COMPARISON_OPERATORS, type Predicate } from '../filter.js';
import { BINDING_PROPERTIES } from '../options.js';
import { sampledFields } from '../source-types.js';
import { coerceRow } from '../values.js';
import { probeHealth } from '../health.js';

interface MongoOptions extends BindingOptions {
  collection: string;
  /** Absent: the connection string's database. */
  database?: string;
}

const NAME = '^[A-Za-z0-9_-]{1,64}$';
const optionsSchema: JSONSchemaType<MongoOptions> = {
  type: 'object',
  required: ['collection', 'credentials'],
  additionalProperties: false,
  properties: {
    ...BINDING_PROPERTIES,
    collection: { type: 'string', pattern: NAME, 'x-fault': 'must be a collection name' },
    database: { type: 'string', pattern: NAME, nullable: true, 'x-fault': 'must be a database name' },
  },
};
/** MongoDB's own databases; with the catalogue's, never reachable whatever a credential lists. */
const SYSTEM_DATABASES = new Set(['admin', 'local', 'config']);

/** The database a connection string opens by default, where a binding without `database` reads. */
function defaultDatabase(url: string | undefined): string {
  try {
    return decodeURIComponent(new URL((url ?? '').replace(/^mongodb(\+srv)?:/, 'http:')).pathname.slice(1)) || 'test';
  } catch {
    return 'test';
  }
}

/**
 * Translates the portable filter into a MongoDB filter built only from whitelisted operators
 * ($and $or $nor $eq $ne $lt $lte $gt $gte $in $nin); keys are the dataset's own field
 * names, values are only ever operands. Comparisons are two-valued like the SQL connectors:
 * `ne` and `nin` exclude null and missing values, so `not` ($nor) agrees with in-process.
 */
function toMongoFilter(p: Predicate, fields: Map<string, RecordField>): Filter<Document> {
  switch (p.kind) {
    case 'and':
      return p.items.length ? { $and: p.items.map((i) => toMongoFilter(i, fields)) } : {};
    case 'or':
      return p.items.length ? { $or: p.items.map((i) => toMongoFilter(i, fields)) } : { $and: [{ _id: { $exists: false } }, { _id: { $exists: true } }] };
    case 'not':
      return { $nor: [toMongoFilter(p.item, fields)] };
    case 'cmp': {
      const field = fields.get(p.field)!;
      const value = (v: unknown) => (field.type === 'datetime' ? new Date(String(v)) : v);
      const present = { [p.field]: { $ne: null } };
      switch (p.op) {
        case 'isNull':
          return p.value ? { [p.field]: { $eq: null } } : present;
        case 'eq':
          return { [p.field]: { $eq: value(p.value) } };
        case 'ne':
          return { $and: [present, { [p.field]: { $ne: value(p.value) } }] };
        case 'lt':
          return { [p.field]: { $lt: value(p.value) } };
        case 'lte':
          return { [p.field]: { $lte: value(p.value) } };
        case 'gt':
          return { [p.field]: { $gt: value(p.value) } };
        case 'gte':
          return { [p.field]: { $gte: value(p.value) } };
        case 'in':
          return { [p.field]: { $in: (p.value as unknown[]).map(value) } };
        case 'nin':
          return { $and: [present, { [p.field]: { $nin: (p.value as unknown[]).map(value) } }] };
        default:
          throw new NotSupported(`the operator ${p.op}`);
      }
    }
  }
}

function afterFilter(keys: SortKey[], after: unknown[], fields: Map<string, RecordField>): Filter<Document> {
  const value = (field: string, v: unknown) => (fields.get(field)?.type === 'datetime' ? new Date(String(v)) : v);
  return {
    $or: keys.map((key, i) => ({
      $and: [
        ...keys.slice(0, i).map((k, j) => ({ [k.field]: { $eq: value(k.field, after[j]) } })),
        { [key.field]: { [key.direction === 'ASC' ? '$gt' : '$lt']: value(key.field, after[i]) } },
      ],
    })),
  };
}

class MongoConnector implements Connector {
  readonly capabilities: ConnectorCapabilities = {
    // Pattern matches are left to the engine: as $regex they run per document on the server, where
    // only a full mongod stops them at maxTimeMS, and a client's patterns must not hold a source
    // past its request.
    filter: { operators: COMPARISON_OPERATORS.filter((op) => op !== 'contains' && op !== 'startsWith'), and: true, or: true, not: true },
    orderBy: true,
    pagination: true,
    projection: true,
  };
  private client: MongoClient | null = null;
  private readonly fields: Map<string, RecordField>;

  constructor(
    private readonly options: MongoOptions,
    private readonly context: ConnectorContext,
  ) {
    this.fields = new Map(context.fields.map((f) => [f.name, f]));
  }

  private collection() {
    if (!this.client) {
      this.client = new MongoClient(this.context.source.url ?? '', { serverSelectionTimeoutMS: this.context.timeoutMs, connectTimeoutMS: this.context.timeoutMs, maxPoolSize: 8 });
    }
    return this.client.db(this.options.database ?? defaultDatabase(this.context.source.url)).collection(this.options.collection);
  }

  async describe(signal: AbortSignal): Promise<SourceField[]> {
    // A collection has no declared columns: the fields are read off a sample of documents.
    const sample = await this.collection().find({}, { limit: 100, maxTimeMS: this.context.timeoutMs, signal }).toArray();
    return sampledFields(sample, { cells: 'typed', label: 'bson', limit: 100, skip: ['_id'] });
  }

  async *query(request: ConnectorQuery): AsyncIterable<Row> {
    refuseUnsupported(this.capabilities, request);
    const clauses: Filter<Document>[] = [];
    if (request.where) clauses.push(toMongoFilter(request.where, this.fields));
    if (request.after) clauses.push(afterFilter(request.orderBy, request.after, this.fields));
    const cursor = this.collection().find(clauses.length ? { $and: clauses } : {}, {
      projection: Object.fromEntries([['_id', 0], ...request.fields.map((f) => [f, 1])]),
      sort: request.orderBy.map((k) => [k.field, k.direction === 'ASC' ? 1 : -1] as [string, 1 | -1]),
      ...(request.limit !== null ? { limit: request.limit } : {}),
      maxTimeMS: this.context.timeoutMs,
    });
    const onAbort = () => void cursor.close();
    request.signal.addEventListener('abort', onAbort, { once: true });
    const wanted = request.fields.map((f) => this.fields.get(f)!);
    try {
      for await (const doc of cursor) yield coerceRow(doc, wanted);
    } finally {
      request.signal.removeEventListener('abort', onAbort);
      await cursor.close();
    }
  }

  health(signal: AbortSignal) {
    return probeHealth(() => {
      signal.throwIfAborted();
      return this.collection().findOne({}, { projection: { _id: 1 }, maxTimeMS: this.context.timeoutMs });
    });
  }


  async close(): Promise<void> {
    await this.client?.close();
    this.client = null;
  }
}

export const mongodbConnector: ConnectorFactory<MongoOptions> = {
  type: 'mongodb',
  optionsSchema,
  reachFaults(options, source, context) {
    const database = options.database ?? defaultDatabase(source.url);
    if (SYSTEM_DATABASES.has(database.toLowerCase()) || database.toLowerCase() === context.catalogueDatabase.toLowerCase()) {
      return [{ path: 'database', message: `"${database}" is a system or platform database and is never reachable` }];
    }
    if (!reachAllows(source.reach.collections, database, options.collection)) {
      return [{ path: 'collection', message: `${database}.${options.collection} is not among the collections credential "${source.name}" may reach` }];
    }
    return [];
  },
  create: (options, context) => new MongoConnector(options, context),
};
