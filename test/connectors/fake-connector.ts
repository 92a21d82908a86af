import { refuseUnsupported } from '../../connectors/capabilities.js';
import type { Connector, ConnectorCapabilities, ConnectorQuery, Row, SourceField } from '../../connectors/contract.js';
import type { Predicate } from '../../connectors/filter.js';
import { sampledFields } from '../../connectors/source-types.js';

/**
 * A test-only connector that declares little: comparisons by `eq` combined with `and`, and no
 * order, paging or projection. It keeps every request it is sent, so a test can prove that the
 * engine never sent it anything else, and it matches `eq` itself, not with the in-process
 * evaluator, so agreement with the oracle means something. Like every connector it answers
 * NotSupported for a request beyond its declaration.
 */
export class FakeConnector implements Connector {
  readonly capabilities: ConnectorCapabilities = { filter: { operators: ['eq'], and: true } };
  readonly received: ConnectorQuery[] = [];

  constructor(private readonly rows: readonly Row[]) {}

  describe(): Promise<SourceField[]> {
    return sampledFields(this.rows, { cells: 'typed', label: 'fake', limit: this.rows.length });
  }

  async *query(request: ConnectorQuery): AsyncIterable<Row> {
    this.received.push(request);
    refuseUnsupported(this.capabilities, request);
    for (const row of this.rows) if (request.where === null || matches(request.where, row)) yield { ...row };
  }

  async health() {
    return { ok: true, latencyMs: 0 };
  }

  async close(): Promise<void> {}
}

function matches(p: Predicate, row: Row): boolean {
  if (p.kind === 'and') return p.items.every((item) => matches(item, row));
  if (p.kind === 'cmp' && p.op === 'eq') return row[p.field] !== null && row[p.field] === p.value;
  throw new Error(`the fake connector was sent ${p.kind === 'cmp' ? p.op : p.kind}, which it does not declare`);
}
