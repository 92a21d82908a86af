import type { ConnectorBindingCheck } from '../server/catalogue/dataset-validation.js';
import type { ConnectorFactory } from './contract.js';
import { csvConnector } from './csv/index.js';
import { httpJsonConnector } from './http-json/index.js';
import { mongodbConnector } from './mongodb/index.js';
import { mysqlConnector } from './mysql/index.js';
import { postgresConnector } from './postgres/index.js';

/** Connector types a dataset may be bound to. */
const CONNECTOR_TYPES = ['postgres', 'mysql', 'mongodb', 'http-json', 'csv'] as const;

/** The implementations, by type. */
export const connectorFactories: ReadonlyMap<string, ConnectorFactory> = new Map([postgresConnector, mysqlConnector, mongodbConnector, csvConnector, httpJsonConnector].map((f) => [f.type, f]));

/** Refuses an unknown connector type and options its connector rejects, with paths. */
export const checkConnectorBinding: ConnectorBindingCheck = (binding, path) => {
  if (!(CONNECTOR_TYPES as readonly string[]).includes(binding.type)) {
    return [{ path: `${path}.type`, message: `must be one of ${CONNECTOR_TYPES.join(', ')}` }];
  }
  const faults = connectorFactories.get(binding.type)?.validateOptions(binding.options) ?? [];
  return faults.map((f) => ({ path: `${path}.options.${f.path}`, message: f.message }));
};
