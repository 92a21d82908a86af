import type { ConnectorBindingCheck } from '../server/catalogue/dataset-validation.js';

export const CONNECTOR_TYPES = ['postgres', 'mysql', 'mongodb', 'http-json', 'csv'] as const;

/** Refuses a binding to a connector type the gateway does not have. */
export const checkConnectorBinding: ConnectorBindingCheck = (binding, path) =>
  (CONNECTOR_TYPES as readonly string[]).includes(binding.type)
    ? []
    : [{ path: `${path}.type`, message: `must be one of ${CONNECTOR_TYPES.join(', ')}` }];
