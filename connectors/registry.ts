import type { BindingOptions, BindingVerdict, ConnectorFactory } from './contract.js';
import type { ReachContext, SourceCredential } from './credentials.js';
import type { Fault } from './errors.js';
import { csvConnector } from './csv/index.js';
import { httpJsonConnector } from './http-json/index.js';
import { mongodbConnector } from './mongodb/index.js';
import { mysqlConnector } from './mysql/index.js';
import { parseOptions } from './options.js';
import { postgresConnector } from './postgres/index.js';

type Binding = { type: string; options: Record<string, unknown> };

/** A fault of the options as a fault of the binding. */
const inOptions = (f: Fault): Fault => ({ path: f.path ? `options.${f.path}` : 'options', message: f.message });
type Check = (binding: Binding, department: string, registry: Readonly<Record<string, SourceCredential>>, context: ReachContext) => BindingVerdict;

/**
 * The check of one connector type: options its schema and rules accept, a credential of that
 * type the department may bind, and nothing outside what the credential may reach. An unknown
 * credential and one of another department get the same answer, so the registry's names cannot
 * be probed. Paths are relative to the binding.
 */
function bindingCheck<O extends BindingOptions>(factory: ConnectorFactory<O>): Check {
  return (binding, department, registry, context) => {
    const parsed = parseOptions(factory, binding.options);
    if ('faults' in parsed) return { faults: parsed.faults.map(inOptions) };
    const { options } = parsed;
    const source = Object.hasOwn(registry, options.credentials) ? registry[options.credentials] : undefined;
    if (!source || source.type !== factory.type || !source.departments.includes(department)) {
      return { faults: [{ path: 'options.credentials', message: `is not a ${factory.type} credential that ${department} may bind` }] };
    }
    const reach = factory.reachFaults(options, source, context);
    if (reach.length > 0) return { faults: reach.map(inOptions) };
    return { faults: [], source, connect: (rest) => factory.create(options, { ...rest, source }) };
  };
}

/** The implementations, by type. */
const checks: ReadonlyMap<string, Check> = new Map([
  [postgresConnector.type, bindingCheck(postgresConnector)],
  [mysqlConnector.type, bindingCheck(mysqlConnector)],
  [mongodbConnector.type, bindingCheck(mongodbConnector)],
  [csvConnector.type, bindingCheck(csvConnector)],
  [httpJsonConnector.type, bindingCheck(httpJsonConnector)],
]);

/**
 * Checks a connector binding of a dataset owned by `department` against the credential registry:
 * a known type, then its connector's checks (bindingCheck). Paths are relative to the binding.
 */
export function checkBinding(binding: Binding, department: string, registry: Readonly<Record<string, SourceCredential>>, context: ReachContext): BindingVerdict {
  const check = checks.get(binding.type);
  if (!check) return { faults: [{ path: 'type', message: `must be one of ${[...checks.keys()].join(', ')}` }] };
  return check(binding, department, registry, context);
}
