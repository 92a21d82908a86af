import DataLoader from 'dataloader';
import type { Principal } from '../auth/principal.js';
import type { GatewayContext, GatewayServices } from './context.js';

/** One map lookup per key of a batch: DataLoader wants the answers in the keys' order. */
const inOrder = <V>(keys: readonly string[], found: Map<string, V>): (V | null)[] => keys.map((key) => found.get(key) ?? null);

/**
 * Per-request batching of the lookups a page makes per row (a request's dataset, its grant, a
 * principal's department), so a page of 1,000 costs one query per kind, not one per row.
 */
export function createLoaders(services: GatewayServices, principal: Principal): GatewayContext['loaders'] {
  return {
    department: new DataLoader(async (codes) => {
      const all = await services.catalogue.listDepartments();
      return inOrder(codes, new Map(all.map((d) => [d.code, d])));
    }),
    dataset: new DataLoader(async (ids) => inOrder(ids, await services.catalogue.getMany(principal, ids))),
    grant: new DataLoader(async (ids) => inOrder(ids, await services.access.grantsById(ids))),
    links: new Map(),
    reportedLinkErrors: new Set(),
    reads: new WeakMap(),
  };
}
