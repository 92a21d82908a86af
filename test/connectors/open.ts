import type { BindingOptions, Connector, ConnectorContext, ConnectorFactory } from '../../connectors/contract.js';
import type { Fault } from '../../connectors/errors.js';
import { parseOptions } from '../../connectors/options.js';

/** The faults a connector's options checks find in `raw` (none: it would be accepted). */
export function optionFaultsOf<O extends BindingOptions>(factory: ConnectorFactory<O>, raw: unknown): Fault[] {
  const parsed = parseOptions(factory, raw);
  return 'faults' in parsed ? parsed.faults : [];
}

/** A connector made as the gateway makes one: from raw options, checked and typed first. */
export function openConnector<O extends BindingOptions>(factory: ConnectorFactory<O>, raw: unknown, context: ConnectorContext): Connector {
  const parsed = parseOptions(factory, raw);
  if ('faults' in parsed) throw new Error(`options refused: ${JSON.stringify(parsed.faults)}`);
  return factory.create(parsed.options, context);
}
