import type { ConnectorFactory } from './contract.js';
import type { ReachContext, ReachFault, SourceCredential } from './credentials.js';
import { csvConnector } from './csv/index.js';
import { httpJsonConnector } from './http-json/index.js';
import { mongodbConnector } from './mongodb/index.js';
import { mysqlConnector } from './mysql/index.js';
import { postgresConnector } from './postgres/index.js';

/** The implementations, by type. */
export const connectorFactories: ReadonlyMap<string, ConnectorFactory> = new Map([postgresConnector, mysqlConnector, mongodbConnector, csvConnector, httpJsonConnector].map((f) => [f.type, f]));

export interface BindingVerdict {
  faults: ReachFault[];
  /** The credential the binding may use, when there is no fault. */
  source?: SourceCredential;
  factory?: ConnectorFactory;
}

/**
 * Checks a connector binding of a dataset owned by `department` against the credential registry:
 * a known type, options its connector accepts, a credential of that type the department may
 * bind, and nothing outside what the credential may reach. Paths are relative to the binding.
 * An unknown credential and one of another department get the same answer, so the registry's
 * names cannot be probed.
 */
export function checkBinding(
  binding: { type: string; options: Record<string, unknown> },
  department: string,
  registry: Readonly<Record<string, SourceCredential>>,
  context: ReachContext,
): BindingVerdict {
  const factory = connectorFactories.get(binding.type);
  if (!factory) return { faults: [{ path: 'type', message: `must be one of ${[...connectorFactories.keys()].join(', ')}` }] };
  const optionFaults = factory.validateOptions(binding.options);
  if (optionFaults.length > 0) return { faults: optionFaults.map((f) => ({ path: `options.${f.path}`, message: f.message })) };
  const name = String(binding.options['credentials']);
  const source = Object.hasOwn(registry, name) ? registry[name] : undefined;
  if (!source || source.type !== binding.type || !source.departments.includes(department)) {
    return { faults: [{ path: 'options.credentials', message: `is not a ${binding.type} credential that ${department} may bind` }] };
  }
  const reach = factory.reachFaults(binding.options, source, context);
  if (reach.length > 0) return { faults: reach.map((f) => ({ path: `options.${f.path}`, message: f.message })) };
  return { faults: [], source, factory };
}
