import type { JSONSchemaType } from 'ajv';
import type { ReachContext, SourceCredential } from './credentials.js';
import type { Fault } from './errors.js';
import type { ComparisonOperator, Predicate } from './filter.js';
import type { LineFormat } from './lines.js';
import type { FieldType, RecordField } from './schema.js';

/**
 * The contract every connector implements. A connector reaches one department's system and
 * serves the rows of one dataset; the engine (server/data) decides what it is asked.
 *
 * Lifecycle, as in Hasura's NDC: the binding's options are checked against the factory's JSON
 * Schema (`optionsSchema`) and then its credential (`reachFaults`) at registration and on every
 * read → `create(options, context)` receives them typed and opens pools lazily →
 * `describe()` / `query()` / `health()` any number of times → `close()`.
 *
 * Errors a connector raises (connectors/errors.ts): `SourceRequestError` for a value the source
 * refuses (the client's), `NotSupported` for a request outside its capabilities (the engine's);
 * anything else thrown is the source's fault and counts against its health.
 */
export interface Connector {
  /**
   * What the connector does at its source. Absent means unsupported: the engine never sends a
   * request beyond it (it evaluates the rest in-process), and a connector sent one answers
   * `NotSupported` (connectors/capabilities.ts `refuseUnsupported`).
   */
  readonly capabilities: ConnectorCapabilities;

  /**
   * The source's fields and their platform types, to be checked against the record schema
   * (drift). Types come from connectors/source-types.ts, one rule for every connector.
   */
  describe(signal: AbortSignal): Promise<SourceField[]>;

  /**
   * Streams the rows matching `where`, ordered by `orderBy` and then by the dataset's key field,
   * starting strictly after `after` (the sort values of the last row already returned), at most
   * `limit` rows, with at least `fields` (which always include the sort fields). Values are typed
   * as the record schema says: dates as `YYYY-MM-DD`, date-times as ISO strings, numbers as
   * numbers. Rejects or ends the stream with an error on failure; stops promptly when `signal`
   * aborts. A source that answers a page at once (SQL) gives the page as an array: read row by
   * row through an async iteration, a page cost a promise and a turn of the event loop per row.
   */
  query(request: ConnectorQuery): AsyncIterable<Row> | Promise<Row[]>;

  /**
   * Optional, for exports: the page `query()` would give, already written as lines of
   * `request.format` by the source's bulk protocol (PostgreSQL's COPY). Each line is byte for
   * byte what connectors/lines.ts `rowsAsLines` writes for the row `query()` would give, holding
   * exactly `members` in order, each value passed through its `transforms` entry first where
   * there is one. The engine sends it only a request the connector takes whole (filter, order and
   * pagination pushed), and reads it as one page; a connector without it is read row by row.
   */
  queryLines?(request: LinesQuery): Promise<LinesPage>;

  /** Whether the source answers, and how fast. Never throws. */
  health(signal: AbortSignal): Promise<{ ok: boolean; latencyMs: number; message?: string }>;

  /** Releases pools and clients. */
  close(): Promise<void>;
}

export type Row = Record<string, unknown>;

/**
 * Where a connector keeps, on a row, its sort values exactly as the source holds them, when the
 * row's typed values may be rounded (an int8 past 2^53, a decimal, a timestamp to the
 * microsecond). The engine starts the next page after these, so that pages neither repeat nor
 * skip rows, and `after` then holds them, which the connector compares exactly.
 */
const EXACT_SORT = Symbol('exact sort values');

/** Attaches the exact sort values to `row` (not enumerable: never part of what the row shows). */
export function withExactSort<R extends Row>(row: R, values: unknown[]): R {
  Object.defineProperty(row, EXACT_SORT, { value: values });
  return row;
}

/** The exact sort values a connector attached to `row`, if any. */
export function exactSortOf(row: Row): unknown[] | null {
  const values: unknown = Reflect.get(row, EXACT_SORT);
  return Array.isArray(values) ? values : null;
}

/** Nested optional flags; absent means unsupported. */
export interface ConnectorCapabilities {
  /** Comparisons with these operators, and the combinators flagged, evaluated at the source. */
  filter?: { operators: readonly ComparisonOperator[]; and?: boolean; or?: boolean; not?: boolean };
  /** `orderBy` applied at the source. */
  orderBy?: boolean;
  /** Keyset pagination (`after`) and `limit` applied at the source; sent only with `orderBy`. */
  pagination?: boolean;
  /** Only `fields` returned; without it the engine asks for every field. */
  projection?: boolean;
}

export interface SortKey {
  field: string;
  direction: 'ASC' | 'DESC';
}

export interface ConnectorQuery {
  fields: string[];
  where: Predicate | null;
  /** Always ends with the key field, so the order is total; empty when not pushed. */
  orderBy: SortKey[];
  /** Values of `orderBy` of the last row seen, in the same order. */
  after: unknown[] | null;
  limit: number | null;
  signal: AbortSignal;
}

export interface LinesQuery extends Omit<ConnectorQuery, 'fields' | 'limit'> {
  format: LineFormat;
  /** The members (cells) of each line, in order; sort fields outside them are read for the cursor only. */
  members: string[];
  /** Applied to a member's value, as `query()` gives it, before it is written (the engine's masks). */
  transforms: ReadonlyMap<string, (value: unknown) => unknown>;
  /** Rows written at most; the source is asked for one more, to tell whether there are more. */
  limit: number;
}

export interface LinesPage {
  /** The lines, in order, in chunks of whole lines. */
  chunks: Buffer[];
  rows: number;
  /** Whether the source holds a row past `limit`. */
  more: boolean;
  /**
   * The `orderBy` values of the last row written, for the next page's `after`: exact, as the
   * source writes them (text, for PostgreSQL), never rounded as a row's typed values may be (an
   * int8 past 2^53, a numeric, a timestamp to the microsecond), or the next page would start at
   * the wrong row. Untransformed.
   */
  last: unknown[] | null;
}

export interface SourceField {
  name: string;
  /** The platform type the source column maps to, or null where it maps to none. */
  type: FieldType | null;
  nullable: boolean;
  sourceType: string;
}

/** What a connector gets from the server: its credential entry (already checked against the binding), limits. */
export interface ConnectorContext {
  /** The registry entry the binding names; the engine has checked the binding may use it. */
  source: SourceCredential;
  fields: RecordField[];
  keyField: string;
  timeoutMs: number;
  /** Platform ceiling on one answer read from a source (http-json pages). */
  maxResponseBytes: number;
}

/** Options every binding has: the credential it names in the registry, and the dataset's key (read by the engine). */
export interface BindingOptions {
  credentials: string;
  keyField?: string;
}

/**
 * A connector implementation, generic over its options. The options schema is the single
 * statement of what a binding may say: ajv checks raw options against it (with a path for every
 * fault) before anything else sees them, and `optionFaults`, `reachFaults` and `create` receive
 * them already typed. An optional property is absent or given, never null.
 */
export interface ConnectorFactory<Options extends BindingOptions> {
  readonly type: string;
  readonly optionsSchema: JSONSchemaType<Options>;
  /** Rules a JSON Schema cannot word well, on options the schema accepted; paths relative to the options. */
  optionFaults?(options: Options): Fault[];
  /**
   * Checks valid options against the credential they name: only what the entry may reach, and
   * never a system schema or database (nor the catalogue's own), whatever the entry says.
   * Paths are relative to the options object.
   */
  reachFaults(options: Options, source: SourceCredential, context: ReachContext): Fault[];
  create(options: Options, context: ConnectorContext): Connector;
}

/** The registry's answer on a binding (registry.ts `checkBinding`), which is all the engine needs of it. */
export interface BindingVerdict {
  /** Paths relative to the binding (`options.table`). */
  faults: Fault[];
  /** The credential the binding may use, when there is no fault. */
  source?: SourceCredential;
  /** Opens the binding's connector with its typed options, when there is no fault. */
  connect?: (context: Omit<ConnectorContext, 'source'>) => Connector;
}
