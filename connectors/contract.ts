import type { FieldInfo } from '../server/catalogue/record-schema.js';
import type { ReachContext, ReachFault, SourceCredential } from './credentials.js';
import type { Predicate, ComparisonOperator } from './filter.js';

/**
 * The contract every connector implements. A connector reaches one department's system and
 * serves the rows of one dataset; the engine (server/data) decides what it is asked.
 *
 * Lifecycle: `create(options, context)` parses and validates the binding's options and opens
 * pools lazily → `describe()` / `query()` / `health()` any number of times → `close()`.
 */
export interface Connector {
  /**
   * What the connector pushes down to its source. Absent means unsupported: the engine never
   * sends a predicate with an operator not listed here, and evaluates it in-process instead.
   */
  readonly capabilities: ConnectorCapabilities;

  /** The source's fields and their types, to be checked against the record schema (drift). */
  describe(signal: AbortSignal): Promise<SourceField[]>;

  /**
   * Streams the rows matching `where`, ordered by `orderBy` and then by the dataset's key field,
   * starting strictly after `after` (the sort values of the last row already returned), at most
   * `limit` rows, with only `fields` (which always include the sort fields). Values are typed as
   * the record schema says: dates as `YYYY-MM-DD`, date-times as ISO strings, numbers as numbers.
   * Rejects or ends the stream with an error on failure; stops promptly when `signal` aborts.
   */
  query(request: ConnectorQuery): AsyncIterable<Row>;

  /** Whether the source answers, and how fast. Never throws. */
  health(signal: AbortSignal): Promise<{ ok: boolean; latencyMs: number; message?: string }>;

  /** Releases pools and clients. */
  close(): Promise<void>;
}

export type Row = Record<string, unknown>;

export interface ConnectorCapabilities {
  filter?: { operators: ComparisonOperator[]; and?: boolean; or?: boolean; not?: boolean };
  orderBy?: boolean;
  /** Keyset pagination (`after`) and `limit` applied at the source. */
  pagination?: boolean;
  projection?: boolean;
}

export interface SortKey {
  field: string;
  direction: 'ASC' | 'DESC';
}

export interface ConnectorQuery {
  fields: string[];
  where: Predicate | null;
  /** Always ends with the key field, so the order is total. */
  orderBy: SortKey[];
  /** Values of `orderBy` of the last row seen, in the same order. */
  after: unknown[] | null;
  limit: number | null;
  signal: AbortSignal;
}

export interface SourceField {
  name: string;
  /** The platform type the source column maps to, or null where it maps to none. */
  type: FieldInfo['type'] | null;
  nullable: boolean;
  sourceType: string;
}

/** What a connector gets from the server: its credential entry (already checked against the binding), limits. */
export interface ConnectorContext {
  /** The registry entry the binding names; the engine has checked the binding may use it. */
  source: SourceCredential;
  fields: FieldInfo[];
  keyField: string;
  timeoutMs: number;
  /** Platform ceiling on one answer read from a source (http-json pages). */
  maxResponseBytes: number;
}

export interface ConnectorFactory {
  readonly type: string;
  /** Checks options; returns faults (paths relative to the options object) without connecting. */
  validateOptions(options: Record<string, unknown>): ReachFault[];
  /**
   * Checks valid options against the credential they name: only what the entry may reach, and
   * never a system schema or database (nor the catalogue's own), whatever the entry says.
   * Paths are relative to the options object.
   */
  reachFaults(options: Record<string, unknown>, source: SourceCredential, context: ReachContext): ReachFault[];
  create(options: Record<string, unknown>, context: ConnectorContext): Connector;
}

/**
 * Raised by a connector when the source refuses a value of the request (a date out of range for
 * its column type, a number too large): the client's fault, reported as BAD_USER_INPUT and never
 * counted against the source's health.
 */
export class SourceRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceRequestError';
  }
}
